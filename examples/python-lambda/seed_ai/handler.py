"""An example diagnosis function shaped like an existing AI service.

It is what a team's own Lambda function often looks like: a Python handler that takes a
feature document of its own shape and answers an envelope of its own,
``{"status": 200, "response": {...}}`` or ``{"status": 4xx, "message": "..."}``. Substation
Bulk calls it unchanged, through the profile beside this file (``profile.toml``).

The "model" is a small, deterministic stand-in (no dependencies): it scores the latest sample's
gases against typical concentrations to a health index (100 = as new, 0 = worst) and names the
gas pattern it sees. It is not a diagnosis method; it only has the shape of one.
"""

import math

# Typical concentrations (ppm) of a healthy unit's oil, used to scale each gas.
TYPICAL = {"h2": 100.0, "ch4": 120.0, "c2h6": 65.0, "c2h4": 50.0, "c2h2": 1.0, "co": 350.0}
# How much each gas weighs in the index: acetylene and ethylene speak of the worst faults.
WEIGHT = {"h2": 1.0, "ch4": 1.0, "c2h6": 0.5, "c2h4": 2.0, "c2h2": 4.0, "co": 0.5}


def _number(sample, gas):
    value = sample.get(gas)
    if value is None:
        return 0.0
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{gas} on {sample.get('date')} is not a concentration: {value!r}")
    return float(value)


def _fault_class(gases):
    """The pattern the gases show, in this model's own words."""
    total = gases["ch4"] + gases["c2h4"] + gases["c2h2"]
    if total < 10 and gases["h2"] < 100:
        return "Normal"
    if total > 0 and gases["c2h2"] / total > 0.13:
        return "Arcing"
    if gases["h2"] >= 100 and gases["h2"] > 5 * max(gases["ch4"], 1.0):
        return "Partial discharge"
    if total > 0 and gases["c2h4"] / total > 0.5:
        return "Thermal>700"
    if total > 0 and gases["c2h4"] / total > 0.2:
        return "Thermal 300-700"
    return "Thermal<300"


def model(features):
    samples = features.get("samples") or []
    if not samples:
        return {"status": 422, "message": f"equipment {features.get('equipment_id')} has no samples"}
    latest = max(samples, key=lambda s: s.get("date", ""))
    gases = {gas: _number(latest, gas) for gas in TYPICAL}
    # Each gas's excess over its typical level, on a log scale, weighted.
    burden = sum(
        WEIGHT[gas] * math.log1p(max(gases[gas] / TYPICAL[gas] - 1.0, 0.0)) for gas in TYPICAL
    )
    health_index = round(100.0 * math.exp(-burden / 3.0), 1)
    fault_class = _fault_class(gases)
    comment = {
        "Normal": "Keep the normal sampling interval.",
        "Partial discharge": "Resample within three months; check for moisture.",
        "Arcing": "Take it out of service and inspect.",
    }.get(fault_class, "Resample soon and watch the trend.")
    return {
        "status": 200,
        "response": {
            "equipment_id": features.get("equipment_id"),
            "fault_class": fault_class,
            "health_index": health_index,
            "comment": comment,
            "samples_seen": len(samples),
        },
    }


def lambda_handler(event, context):
    try:
        return model(event)
    except ValueError as error:
        return {"status": 400, "message": str(error)}
