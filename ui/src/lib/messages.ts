// Every string the UI shows, in English and Korean. Keys are dotted; `{name}` is filled in by
// `t`. The Korean is written for Korean utility engineers (KEPCO usage: 변압기, 유중가스분석,
// 시료, 변전소, 심각도 …).
import { en, type MessageKey } from "./messages.en";
import { ko } from "./messages.ko";

export { en, ko };
export type { MessageKey };

export const dictionaries = { en, ko } as const;

/** Fills `{name}` placeholders. */
export function fill(template: string, params?: Record<string, string | number>): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}
