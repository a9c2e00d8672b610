"""How a billing line's model is named and coloured on the contract screens (the contract list and page, and the
Ready to bill tab): one place, so those screens need not import each other."""

from __future__ import annotations

from margin.contracts.models import BillingLine, BillingModel, CapKind

MODEL_BADGES: dict[str, str] = {
    BillingModel.TIME_AND_MATERIALS: "bg-blue-lt",
    BillingModel.FIXED_FEE: "bg-purple-lt",
    BillingModel.PROGRESS: "bg-teal-lt",
    BillingModel.RETAINER: "bg-orange-lt",
    BillingModel.EXPENSES: "bg-secondary-lt",
}


def model_label(line: BillingLine) -> str:
    """The short name of a line's model, as on the list's badges."""
    if line.model == BillingModel.TIME_AND_MATERIALS:
        return "Time & materials (capped)" if line.cap_kind != CapKind.NONE else "Time & materials"
    return str(BillingModel(line.model).label)


def model_badge(line: BillingLine) -> str:
    """The badge colour of a line's model."""
    return MODEL_BADGES.get(line.model, "bg-secondary-lt")
