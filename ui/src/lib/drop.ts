// Which dropped (or chosen) paths the app can open.

/** The workbook formats the importer reads (lower case, no dot). */
export const WORKBOOK_EXTENSIONS = ["xlsx", "xlsm", "xls", "xlsb", "ods", "csv"] as const;

/** The extension of a path, lower case, without the dot ("" when there is none). */
export function extensionOf(path: string): string {
  const name = path.split(/[\\/]/).pop() ?? "";
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : "";
}

/** The file name of a path (either separator). */
export function fileNameOf(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

export function isWorkbookPath(path: string): boolean {
  return (WORKBOOK_EXTENSIONS as readonly string[]).includes(extensionOf(path));
}

export type DropPick = { kind: "open"; path: string } | { kind: "none" } | { kind: "unsupported"; names: string[] };

/** The first path with a supported extension; otherwise why nothing can be opened. */
export function pickWorkbookPath(paths: readonly string[] | null | undefined): DropPick {
  const list = (paths ?? []).filter((p) => typeof p === "string" && p.length > 0);
  if (list.length === 0) return { kind: "none" };
  const found = list.find(isWorkbookPath);
  if (found) return { kind: "open", path: found };
  return { kind: "unsupported", names: list.map(fileNameOf) };
}
