"""A reference adapter: turns any ``model(features: dict) -> dict`` into an AWS Lambda handler
that Substation Bulk calls through the profile beside this file (``profile.toml``).

The handler receives Substation Bulk's own request (the contract's request: a transformer's
nameplate and its samples, ``docs/contract/request.schema.json``), hands the model a plain
feature document, and answers an envelope the profile reads::

    {"status": 200, "asset_id": "TR-1", "latest_sample_date": "2025-03-01",
     "result": {"severity": "warning", "fault": "T2", "score": 0.71,
                "action": "Resample within 3 months", "headline": "Thermal fault 300-700 C"}}

or, when the model cannot diagnose, ``{"status": 4xx, "error": {"code", "message"}}``.

Why not answer the built-in contract itself: its response carries every method's reading
(IEEE C57.104, IEC 60599, the Duval triangles and pentagons, Rogers, Doernenburg, key gas),
which only Substation Bulk's engine computes. A model answers its own verdict; the profile
reads it, and Substation Bulk keeps the answer as it came.

The model gets::

    {"asset_id": "TR-1",
     "nameplate": {"rated_kv": 154.0, "rated_mva": 60.0, "year_of_manufacture": 1998, ...},
     "history": [{"date": "2024-03-01", "h2": 40.0, "ch4": 12.0, ..., "n2": None}, ...],
     "latest": {...the newest sample, as in history...}}

Gas values are ppm as numbers; a gas reported below the laboratory's detection limit is 0.0;
one not measured is None. The history is oldest first. The model returns a dict with at least
``severity`` (normal, caution, warning or critical); ``fault`` (none, PD, D1, D2, T1, T2, T3,
DT, S or undetermined), ``score``, ``action`` and ``headline`` are optional. A ``ValueError``
from the model is a refusal (422) with its message; any other exception is a failed invocation.
No dependencies beyond the standard library.
"""

GASES = ("h2", "ch4", "c2h6", "c2h4", "c2h2", "co", "co2", "o2", "n2")
SEVERITIES = ("normal", "caution", "warning", "critical")


def _ppm(value):
    """A contract gas value as a number: ppm, 0.0 below detection, None when not measured."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"a gas value is not a concentration: {value!r}")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, dict) and "below_detection" in value:
        return 0.0
    if value == "not_measured" or (isinstance(value, dict) and "not_measured" in value):
        return None
    raise ValueError(f"a gas value is not a concentration: {value!r}")


def features_of(request):
    """The model's feature document from Substation Bulk's request."""
    asset = request.get("asset")
    if not isinstance(asset, dict) or not asset.get("id"):
        raise ValueError("the request names no asset")
    history = []
    for sample in request.get("samples") or []:
        gases = sample.get("gases") or {}
        row = {"date": sample.get("date")}
        for gas in GASES:
            row[gas] = _ppm(gases.get(gas))
        history.append(row)
    history.sort(key=lambda row: row["date"] or "")
    nameplate = {key: value for key, value in asset.items() if key != "id"}
    return {
        "asset_id": asset["id"],
        "nameplate": nameplate,
        "history": history,
        "latest": history[-1] if history else None,
    }


def lambda_handler_for(model):
    """A Lambda handler that calls ``model`` on each request's features."""

    def handler(event, context):
        try:
            features = features_of(event)
        except ValueError as error:
            return {"status": 400, "error": {"code": "bad_request", "message": str(error)}}
        if features["latest"] is None:
            return {
                "status": 422,
                "error": {"code": "no_samples", "message": f"{features['asset_id']} has no samples"},
            }
        try:
            result = model(features)
        except ValueError as error:
            return {"status": 422, "error": {"code": "model_refused", "message": str(error)}}
        if not isinstance(result, dict) or result.get("severity") not in SEVERITIES:
            raise TypeError(f"the model answered no severity: {result!r}")
        return {
            "status": 200,
            "asset_id": features["asset_id"],
            "latest_sample_date": features["latest"]["date"],
            "result": result,
        }

    return handler
