#!/usr/bin/env python3
"""Writes samples/fleet.json: a small, realistic fleet of diagnosis requests.

Each transformer tells one story an engineer meets in the field (healthy unit, stray gassing,
a developing hot spot, arcing, partial discharge, paper overheating, a new unit, a step change
to confirm, tap-changer contamination). Run it again after editing; the output is stable.
"""
import json
from pathlib import Path

GASES = ["h2", "ch4", "c2h6", "c2h4", "c2h2", "co", "co2", "o2", "n2"]


def sample(date, *values):
    gases = {}
    for gas, value in zip(GASES, values):
        if value is None:
            continue
        if isinstance(value, str) and value.startswith("<"):
            gases[gas] = {"below_detection": float(value[1:])}
        else:
            gases[gas] = value
    return {"date": date, "gases": gases}


def request(asset, samples):
    return {"contract_version": 2, "asset": asset, "samples": samples}


AIR = (19000, 52000)      # free-breathing: O2/N2 ≈ 0.37
SEALED = (1800, 61000)    # sealed / N2 blanket: O2/N2 ≈ 0.03

fleet = [
    request(
        {"id": "TR-001", "name": "신인천 S/S #1 M.Tr", "substation": "신인천", "manufacturer": "Hyosung",
         "year_of_manufacture": 2009, "rated_kv": 154, "rated_mva": 60, "oil_volume_litres": 32000,
         "oil_preservation": "conservator", "communicating_oltc": False},
        [sample("2021-03-15", 12, 6, 4, 3, "<0.5", 310, 2400, *AIR),
         sample("2022-03-10", 14, 7, 5, 3, "<0.5", 330, 2550, *AIR),
         sample("2023-03-14", 13, 7, 5, 4, "<0.5", 345, 2700, *AIR),
         sample("2024-03-12", 15, 8, 5, 4, "<0.5", 360, 2850, *AIR),
         sample("2025-03-11", 16, 8, 6, 4, "<0.5", 372, 2990, *AIR)]),
    request(
        {"id": "TR-002", "name": "Riverside T2", "substation": "Riverside 345 kV", "manufacturer": "Siemens",
         "year_of_manufacture": 2016, "rated_kv": 345, "rated_mva": 400, "oil_volume_litres": 90000,
         "oil_preservation": "sealed", "communicating_oltc": False},
        [sample("2023-02-01", 95, 38, 70, 2, "<0.5", 410, 3100, *SEALED),
         sample("2023-09-05", 140, 48, 105, 3, "<0.5", 450, 3300, *SEALED),
         sample("2024-03-04", 180, 58, 140, 3, "<0.5", 470, 3450, *SEALED),
         sample("2024-09-02", 215, 66, 180, 4, "<0.5", 500, 3600, *SEALED)]),
    request(
        {"id": "TR-003", "name": "동서울 S/S #3 M.Tr", "substation": "동서울", "manufacturer": "LS Electric",
         "year_of_manufacture": 1998, "rated_kv": 154, "rated_mva": 60, "oil_volume_litres": 30000,
         "oil_preservation": "conservator", "communicating_oltc": False},
        [sample("2023-01-10", 30, 40, 15, 25, "<0.5", 380, 3600, *AIR),
         sample("2023-07-11", 45, 75, 28, 70, 0.6, 395, 3750, *AIR),
         sample("2024-01-09", 70, 120, 45, 160, 1.2, 410, 3900, *AIR),
         sample("2024-04-16", 95, 165, 60, 260, 2.1, 420, 4000, *AIR)]),
    request(
        {"id": "TR-004", "name": "Harbor GSU 1", "substation": "Harbor Generating", "manufacturer": "ABB",
         "year_of_manufacture": 2004, "rated_kv": 230, "rated_mva": 250, "oil_volume_litres": 65000,
         "oil_preservation": "conservator", "communicating_oltc": False},
        [sample("2024-05-20", 20, 8, 5, 6, "<0.5", 300, 2800, *AIR),
         sample("2024-11-18", 310, 52, 9, 58, 44, 340, 2900, *AIR)]),
    request(
        {"id": "TR-005", "name": "남부산 S/S #2 M.Tr", "substation": "남부산", "manufacturer": "Hyundai",
         "year_of_manufacture": 2012, "rated_kv": 154, "rated_mva": 45, "oil_volume_litres": 25000,
         "oil_preservation": "nitrogen_blanket", "communicating_oltc": False},
        [sample("2024-02-14", 180, 14, 3, 1, "<0.5", 250, 1900, 1500, 65000),
         sample("2024-08-13", 420, 26, 4, 1, "<0.5", 260, 1950, 1600, 64000)]),
    request(
        {"id": "TR-006", "name": "Northgate T1", "substation": "Northgate 115 kV", "manufacturer": "GE",
         "year_of_manufacture": 1987, "rated_kv": 115, "rated_mva": 30, "oil_volume_litres": 15000,
         "oil_preservation": "conservator", "communicating_oltc": False},
        [sample("2024-01-15", 25, 30, 16, 9, "<0.5", 780, 3000, *AIR),
         sample("2025-01-14", 30, 48, 22, 14, "<0.5", 1250, 3300, *AIR)]),
    request(
        {"id": "TR-007", "name": "세종 S/S #1 M.Tr", "substation": "세종", "manufacturer": "Hyosung",
         "year_of_manufacture": 2024, "rated_kv": 154, "rated_mva": 60, "oil_volume_litres": 33000,
         "oil_preservation": "conservator", "communicating_oltc": False},
        [sample("2025-06-02", 4, 1.2, 0.8, 0.5, "<0.5", 45, 320, 21000, 54000)]),
    request(
        {"id": "TR-008", "name": "Westfield T4", "substation": "Westfield 69 kV", "manufacturer": "Pauwels",
         "year_of_manufacture": 2011, "rated_kv": 69, "rated_mva": 20, "oil_volume_litres": 9000,
         "oil_preservation": "conservator"},
        [sample("2024-04-02", "<5", 3, 2, 1, "<0.5", 150, 1500, *AIR),
         sample("2024-10-01", 33, 4, 2, 1, "<0.5", 160, 1600, *AIR)]),
    request(
        {"id": "TR-009", "name": "광주 S/S #2 M.Tr", "substation": "광주", "manufacturer": "LS Electric",
         "year_of_manufacture": 2006, "rated_kv": 154, "rated_mva": 60, "oil_volume_litres": 31000,
         "oil_preservation": "conservator", "communicating_oltc": True},
        [sample("2024-03-05", 6, 5, 4, 6, 4, 280, 2600, *AIR),
         sample("2025-03-04", 5, 6, 4, 8, 14, 300, 2700, *AIR)]),
]

out = Path(__file__).with_name("fleet.json")
out.write_text(json.dumps(fleet, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
print(f"wrote {out} ({len(fleet)} transformers)")
