// The header-mapping assistant's logic: which headers it offers, what is still missing, and the
// `HeaderChoice[]` it re-opens the workbook with. Choices are by header text (as the Rust side
// takes them), so a header found on two sheets gets one choice.
import type { FieldChoice, HeaderChoice, SheetView } from "./bindings";

/** Header text -> field key ("" = ignore). */
export type MappingChoices = Record<string, string>;

export type MappingSheet = { name: string; headers: string[] };

/** Each sheet with the headers the assistant offers (its unrecognised ones, once each). */
export function mappingSheets(sheets: readonly SheetView[]): MappingSheet[] {
  const out: MappingSheet[] = [];
  for (const sheet of sheets) {
    const headers = [...new Set(sheet.unrecognised.filter((h) => h.trim() !== ""))];
    if (headers.length > 0) out.push({ name: sheet.name, headers });
  }
  return out;
}

/** The mapping the workbook is re-opened with: every header given a field, in the order chosen. */
export function buildMapping(choices: MappingChoices): HeaderChoice[] {
  return Object.entries(choices)
    .filter(([header, field]) => header.trim() !== "" && field !== "")
    .map(([header, field]) => ({ header, field }));
}

/** The fields a sheet holds: its recognised columns plus the choices for its headers. */
export function sheetFields(sheet: SheetView, choices: MappingChoices): Set<string> {
  const fields = new Set(sheet.columns.map((c) => c.field));
  for (const h of sheet.unrecognised) if (choices[h]) fields.add(choices[h]);
  return fields;
}

/**
 * The required-for-samples fields still missing on the sheet closest to having them all
 * (samples come from one sheet, so fields spread over two sheets do not add up).
 */
export function missingRequired(
  sheets: readonly SheetView[],
  choices: MappingChoices,
  fields: readonly FieldChoice[],
): FieldChoice[] {
  const required = fields.filter((f) => f.required_for_samples);
  let best: FieldChoice[] = required;
  for (const sheet of sheets) {
    const have = sheetFields(sheet, choices);
    const missing = required.filter((f) => !have.has(f.key));
    if (missing.length < best.length) best = missing;
  }
  return best;
}
