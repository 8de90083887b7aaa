"""The learning-curve PNG: train/dev loss and dev CER/WER per pass."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from utils.utility import atomic_write  # noqa: E402


def plot_learning_curve(history: list[dict], path: str) -> None:
    """Write ``path`` (PNG, atomically) from per-pass records with pass, train_loss, dev_loss, dev_cer, dev_wer."""
    passes = [record["pass"] for record in history]
    fig, (loss_ax, error_ax) = plt.subplots(1, 2, figsize=(11, 4))
    loss_ax.plot(passes, [r["train_loss"] for r in history], "o-", label="train")
    if any("dev_loss" in r for r in history):
        loss_ax.plot(passes, [r.get("dev_loss", float("nan")) for r in history], "o-", label="dev")
        error_ax.plot(passes, [r.get("dev_cer", float("nan")) for r in history], "o-", label="dev CER")
        error_ax.plot(passes, [r.get("dev_wer", float("nan")) for r in history], "o-", label="dev WER")
        error_ax.legend()
    loss_ax.set(xlabel="pass", ylabel="CTC loss per utterance", title="loss")
    loss_ax.legend()
    error_ax.set(xlabel="pass", ylabel="error rate (greedy decoding)", title="dev error rates")
    for ax in (loss_ax, error_ax):
        ax.grid(alpha=0.3)
    fig.tight_layout()
    with atomic_write(path, "wb") as handle:
        fig.savefig(handle, format="png", dpi=100)
    plt.close(fig)
