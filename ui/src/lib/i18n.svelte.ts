// The interface language, reactive: switching it re-renders every string at once.
import type { Language } from "./bindings";
import { dictionaries, fill, type MessageKey } from "./messages";
import { errorTexts, SELF_EXPLAINED, type ShownCode, type ShownError } from "./errors";
import type { Lang } from "./format";

export type { MessageKey };

/** `auto` follows the system (navigator.language, or what Rust reports). */
export function resolveLanguage(choice: Language, systemLanguage?: string | null): Lang {
  if (choice === "en" || choice === "ko") return choice;
  const system = systemLanguage || (typeof navigator !== "undefined" ? navigator.language : "en");
  return system.toLowerCase().startsWith("ko") ? "ko" : "en";
}

class I18n {
  lang = $state<Lang>(resolveLanguage("auto"));

  set(lang: Lang) {
    this.lang = lang;
    if (typeof document !== "undefined") document.documentElement.lang = lang;
  }
}

export const i18n = new I18n();

/** The message for `key` in the current language (English, then the key, as fallbacks). */
export function t(key: MessageKey, params?: Record<string, string | number>): string {
  const dict = dictionaries[i18n.lang] as Record<string, string>;
  return fill(dict[key] ?? (dictionaries.en as Record<string, string>)[key] ?? key, params);
}

/** Looks a dynamic key up, falling back to the raw code when there is no translation. */
export function tCode(prefix: string, code: string | null | undefined, fallback = "—"): string {
  if (code === null || code === undefined || code === "") return fallback;
  const dict = dictionaries[i18n.lang] as Record<string, string>;
  return dict[`${prefix}.${code}`] ?? (dictionaries.en as Record<string, string>)[`${prefix}.${code}`] ?? code;
}

export const tSeverity = (code: string | null | undefined) => tCode("sev", code);
export const tFault = (code: string | null | undefined) => tCode("fault", code);
export const tIec = (code: string | null | undefined) => tCode("iec", code);
export const tAction = (code: string | null | undefined) => tCode("action", code);
export const tRunState = (code: string | null | undefined) => tCode("runState", code);
export const tMethod = (code: string | null | undefined) => tCode("method", code);
export const tRole = (code: string | null | undefined) => tCode("role", code);

/** What the app says about an error, in the current language: the text for its code
 *  (`errors.ts`), which also says what to do about it in the app. */
export function errorText(error: { code: ShownCode }): string {
  const texts = errorTexts[i18n.lang] as Record<string, string>;
  return texts[error.code] ?? errorTexts[i18n.lang]["ui.unexpected"];
}

/** The source's own words about this error (the file, row or server it names): Korean when
 *  the source gives it and the app is in Korean, else English; empty when there are none. */
export function errorDetail(error: ShownError): string {
  if (SELF_EXPLAINED.has(error.code)) return "";
  if (i18n.lang === "ko" && error.message_ko) return error.message_ko;
  return error.message ?? "";
}
