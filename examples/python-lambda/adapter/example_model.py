"""An example model behind the reference adapter: a few key-gas rules, enough to show the
shape (a team puts its own model here). Deploy with handler ``example_model.lambda_handler``."""

from substation_adapter import lambda_handler_for


def model(features):
    latest = features["latest"]
    gas = {name: latest.get(name) or 0.0 for name in ("h2", "ch4", "c2h4", "c2h2", "co")}
    if gas["c2h2"] > 35:
        return {"severity": "critical", "fault": "D2", "score": 0.95,
                "action": "Take it out of service and inspect.", "headline": "Acetylene: arcing"}
    if gas["c2h4"] > 100:
        return {"severity": "warning", "fault": "T3", "score": 0.8,
                "action": "Resample within a month.", "headline": "Ethylene: a hot spot"}
    if gas["h2"] > 150:
        return {"severity": "caution", "fault": "PD", "score": 0.5,
                "action": "Resample within three months.", "headline": "Hydrogen: partial discharges"}
    return {"severity": "normal", "fault": "none", "score": 0.1,
            "action": "Keep the normal sampling interval.", "headline": "Gases within typical levels"}


lambda_handler = lambda_handler_for(model)
