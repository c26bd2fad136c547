"""Temperature scaling and expected calibration error for a classifier's softmax posterior."""

import torch
import torch.nn.functional as F


def fit_temperature(logits: torch.Tensor, labels: torch.Tensor) -> float:
    """Return the temperature T that minimises the NLL of softmax(logits / T) on these labels.

    The optimiser works on log T, so T stays positive. It runs L-BFGS with a strong-Wolfe
    line search in float64.
    """
    logits64 = logits.detach().double()
    targets = labels.long()
    log_temperature = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    optimiser = torch.optim.LBFGS(
        [log_temperature], lr=0.5, max_iter=200, tolerance_grad=1e-10, line_search_fn="strong_wolfe"
    )

    def closure() -> torch.Tensor:
        optimiser.zero_grad()
        loss = F.cross_entropy(logits64 / log_temperature.exp(), targets)
        loss.backward()
        return loss

    optimiser.step(closure)
    temperature = float(log_temperature.exp())
    if not (temperature > 0 and temperature < float("inf")):
        raise ArithmeticError(f"Temperature fitting diverged: T = {temperature}.")
    return temperature


def expected_calibration_error(probabilities: torch.Tensor, labels: torch.Tensor, bins: int = 15) -> float:
    """Return the expected calibration error of the top-class confidence.

    Confidences fall into `bins` equal-width bins (lo, hi] over [0, 1]. The error is the
    record-weighted mean, over non-empty bins, of |accuracy - mean confidence| in the bin.
    """
    confidence, predicted = probabilities.max(dim=1)
    correct = (predicted == labels.long()).double()
    confidence = confidence.double()
    edges = torch.linspace(0.0, 1.0, bins + 1, dtype=torch.float64)

    error = 0.0
    for lower, upper in zip(edges[:-1], edges[1:]):
        in_bin = (confidence > lower) & (confidence <= upper)
        count = int(in_bin.sum())
        if count == 0:
            continue
        gap = abs(float(correct[in_bin].mean()) - float(confidence[in_bin].mean()))
        error += gap * count / confidence.numel()
    return error


def negative_log_likelihood(logits: torch.Tensor, labels: torch.Tensor, temperature: float = 1.0) -> float:
    return float(F.cross_entropy(logits.double() / temperature, labels.long()))
