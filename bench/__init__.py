"""ml-judge benchmarks: `python -m bench` measures, prints a table and writes bench/results/latest.json.

Benchmarks report figures and the targets beside them (met / missed); they never fail on a time.
"""
