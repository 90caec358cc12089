// WebKitGTK reports the locale of a process started with LANG=C (or with no LANG at all) as
// navigator.language "C", which is not a BCP 47 tag: Intl constructors throw on it, and uPlot
// builds an Intl.NumberFormat from navigator.language as its module loads, so the whole UI
// failed to start and the window stayed blank. Such a process is given "en-US" instead.
// main.ts imports this module first, before anything that formats.

/** `tag` when Intl accepts it, otherwise "en-US". */
export function usableLanguage(tag: string | undefined | null): string {
  try {
    if (tag && Intl.getCanonicalLocales(tag).length > 0) return tag;
  } catch {
    // Not a language tag.
  }
  return "en-US";
}

if (typeof navigator !== "undefined") {
  const reported = navigator.language;
  const usable = usableLanguage(reported);
  if (usable !== reported) {
    Object.defineProperty(navigator, "language", { value: usable, configurable: true });
    Object.defineProperty(navigator, "languages", { value: [usable], configurable: true });
  }
}
