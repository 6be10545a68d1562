"""Running many gradings: the in-process executor, and the job queue that can stand in for its run step."""

from judge.execution.executor import Events, Execution, Executor, NoEvents, Task

__all__ = ["Events", "Execution", "Executor", "NoEvents", "Task"]
