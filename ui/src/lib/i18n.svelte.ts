// The interface language, reactive: switching it re-renders every string at once.
import type { ErrorView, Language } from "./bindings";
import { dictionaries, fill, type MessageKey } from "./messages";
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

/** An error in the current language: `message_ko` when Korean, else a known code's text;
 *  then what the user can do about it, where the app knows (`errhint.<code>`). */
export function errorText(error: ErrorView): string {
  let text = error.message || t("error.unexpected");
  if (i18n.lang === "ko") {
    const known = (dictionaries.ko as Record<string, string>)[`errcode.${error.code}`];
    if (error.message_ko) text = error.message_ko;
    else if (known) text = known;
  }
  const dict = dictionaries[i18n.lang] as Record<string, string>;
  const hint = dict[`errhint.${error.code}`];
  if (!hint) return text;
  return /[.!?]$/.test(text) ? `${text} ${hint}` : `${text}. ${hint}`;
}
