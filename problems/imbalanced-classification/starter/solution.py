"""Fraud detection on an imbalanced table: split, class-weighted model, threshold for a recall target.

See README.md for the task and the requirements (R1..R5). The docstrings below are the exact contracts.
"""

from __future__ import annotations

import numpy as np


def split_indices(y: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """R1. Split the row positions 0..len(y)-1 into train (60%), validation (20%) and test (20%).

    Returns (train_idx, val_idx, test_idx): three 1-D integer NumPy arrays of row positions that
    together hold every position exactly once. Shuffled, **stratified by y** and determined by `seed`:
    the same arguments give the identical split, different seeds give different splits. When 0.2 * n
    and 0.2 * (number of positives) are whole numbers, the validation and the test part each hold
    exactly 20% of the rows and 20% of the positives (5,000 rows with 75 positives: 1,000 rows with
    15 positives each; the training part gets 3,000 rows with 45 positives).

    Two stratified train_test_split calls do it: first split off the test part (test_size=0.2), then
    split the rest 75/25 into train and validation, stratifying by the rest's own labels.
    """
    raise NotImplementedError


def make_model(seed: int):
    """R2. An unfitted scikit-learn classifier that handles the imbalance with class weights.

    - It has predict_proba; the score of a row is predict_proba(X)[:, 1], the probability of class 1.
    - Its classifier (for a Pipeline, the last step) has class_weight="balanced".
    - Scaling, if any, happens inside the model (a Pipeline), never on X outside it.
    Keep it small: the whole test suite has a time limit (a logistic regression fits in milliseconds).
    """
    raise NotImplementedError


def choose_threshold(y_val: np.ndarray, val_scores: np.ndarray, recall_target: float) -> float:
    """R3. The decision threshold with the best precision among those that reach the recall target.

    A row is predicted positive when its score is >= the threshold. The candidates are the distinct
    values of val_scores. Keep the candidates whose recall on (y_val, val_scores) is >= recall_target
    (the lowest score always qualifies: it flags every row, so its recall is 1.0); among those return
    the one with the highest precision; exact ties in precision go to the highest threshold.
    Returns that score as a float. y_val holds 0/1 labels with at least one 1.

    Not the threshold with the best accuracy or F1, and not simply the highest threshold that
    reaches the target: precision can rise again as the threshold falls.
    """
    raise NotImplementedError


def evaluate(y_true: np.ndarray, scores: np.ndarray, threshold: float) -> dict:
    """R4. Metrics of the scores `scores` against the 0/1 labels `y_true`.

    Predictions are (scores >= threshold). Returns a dict with
    - "precision": float, TP / (TP + FP), 0.0 when nothing is predicted positive;
    - "recall": float, TP / (TP + FN);
    - "pr_auc": float, the area under the precision-recall curve as average precision,
      sklearn.metrics.average_precision_score(y_true, scores). It uses the scores, not the threshold;
      it is not the ROC AUC, and not the trapezoidal auc(recall, precision);
    - "confusion_matrix": 2x2 integer NumPy array [[TN, FP], [FN, TP]]: rows are the true label
      (0, 1), columns the predicted label (0, 1), also when a label is absent.
    """
    raise NotImplementedError


def run_pipeline(
    X: np.ndarray, y: np.ndarray, recall_target: float = 0.8, seed: int = 0, model=None
) -> dict:
    """R5. The whole workflow; uses make_model(seed) when `model` is None, else a clone of `model`.

    split_indices(y, seed) -> fit the model on the training rows -> score the validation rows
    -> choose_threshold(y[val_idx], val_scores, recall_target) -> score the test rows
    -> evaluate(y[test_idx], test_scores, threshold).

    Returns {"train_idx", "val_idx", "test_idx": the three arrays from split_indices,
             "model": the fitted model,
             "val_scores": NumPy array of the fitted model's scores for X[val_idx], in that order,
             "threshold": float, chosen on the validation part,
             "test_metrics": the dict from evaluate on the test part at that threshold}.

    The model is fitted on exactly the training rows, each once: the imbalance is handled by the
    class weights, never by resampling (no oversampling, undersampling or SMOTE). The threshold
    comes from the validation rows only; the test rows are used only for the final report. X is
    passed to the model as given: never transform it yourself. The same arguments give the same
    results.
    """
    raise NotImplementedError
