import { describe, expect, it } from "vitest";
import { en, ko, fill } from "./messages";
import { resolveLanguage, i18n, t, tFault, tSeverity, tIec, tAction, tRunState, errorText, errorDetail } from "./i18n.svelte";
import { ERROR_CODES } from "./bindings";
import { UI_ERROR_CODES } from "./errors";
import { toErrorView } from "./notices.svelte";

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("messages", () => {
  it("every English key has Korean and every Korean key has English", () => {
    const enKeys = Object.keys(en).sort();
    const koKeys = Object.keys(ko).sort();
    expect(koKeys.filter((k) => !(k in en))).toEqual([]);
    expect(enKeys.filter((k) => !(k in ko))).toEqual([]);
    for (const key of enKeys) {
      expect((ko as Record<string, string>)[key].trim(), key).not.toBe("");
    }
  });

  it("both languages use the same placeholders", () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(placeholders(ko[key]), key).toEqual(placeholders(en[key]));
    }
  });

  it("fills placeholders and leaves unknown ones", () => {
    expect(fill("{n} of {total}", { n: 3, total: 10 })).toBe("3 of 10");
    expect(fill("{n} {x}", { n: 1 })).toBe("1 {x}");
  });
});

describe("language", () => {
  it("auto follows the system language", () => {
    expect(resolveLanguage("auto", "ko-KR")).toBe("ko");
    expect(resolveLanguage("auto", "en-US")).toBe("en");
    expect(resolveLanguage("ko", "en-US")).toBe("ko");
    expect(resolveLanguage("en", "ko")).toBe("en");
  });

  it("switching takes effect at once and codes fall back to the raw code", () => {
    i18n.set("en");
    expect(tSeverity("critical")).toBe("Critical");
    expect(tFault("T3")).toBe("Thermal fault above 700 °C");
    i18n.set("ko");
    expect(tSeverity("critical")).toBe("위험");
    expect(tFault("PD")).toBe("부분방전");
    expect(tFault("none")).toBe("이상 없음");
    expect(tIec("alarm")).toBe("경보");
    expect(tAction("expert_review")).toBe("전문가 검토");
    expect(tRunState("running")).toBe("실행 중");
    expect(tFault("X9")).toBe("X9");
    expect(tSeverity(null)).toBe("—");
    expect(t("chip.status", { n: 2 })).toBe("상태 2");
    i18n.set("en");
  });

  it("every fault, severity, IEC state and action code is translated", () => {
    for (const lang of ["en", "ko"] as const) {
      i18n.set(lang);
      for (const f of ["PD", "D1", "D2", "T1", "T2", "T3", "DT", "S", "none", "undetermined"]) expect(tFault(f)).not.toBe(f);
      for (const s of ["normal", "caution", "warning", "critical"]) expect(tSeverity(s)).not.toBe(s);
      for (const s of ["normal", "alert", "alarm"]) expect(tIec(s)).not.toBe(s);
      for (const a of ["routine_monitoring", "resample", "expert_review", "consider_removal_from_service"]) expect(tAction(a)).not.toBe(a);
      for (const r of ["running", "finished", "cancelled", "failed"]) expect(tRunState(r)).not.toBe(r);
    }
    i18n.set("en");
  });

  it("every error code has its own English and Korean text, with no command-line advice", () => {
    const codes = [...ERROR_CODES, ...UI_ERROR_CODES];
    expect(codes.length).toBeGreaterThan(80);
    for (const lang of ["en", "ko"] as const) {
      i18n.set(lang);
      const seen = new Set<string>();
      for (const code of codes) {
        const text = errorText({ code });
        expect(text.length, code).toBeGreaterThan(10);
        expect(text, code).not.toBe(code);
        // The desktop has no flags and no terminal: settings and buttons instead.
        expect(text, code).not.toMatch(/--[a-z]|`|\bsubstation (sync|diagnose|import)|aws sso|SUBSTATION_/);
        if (lang === "ko") expect(text, code).toMatch(/[가-힣]/);
        seen.add(text);
      }
      // No two codes share one vague sentence, the app's own duplicates aside.
      expect(seen.size, lang).toBeGreaterThan(codes.length - 4);
    }
    i18n.set("en");
  });

  it("an error reads as the app's text for its code, with the source's words as the detail", () => {
    const inUse = { code: "file_in_use" as const, message: "C:\\x.xlsx is open in another program", message_ko: null };
    i18n.set("en");
    expect(errorText(inUse)).toContain("Close it in Excel (or the program that has it open)");
    expect(errorDetail(inUse)).toBe("C:\\x.xlsx is open in another program");
    i18n.set("ko");
    expect(errorText(inUse)).toContain("Excel(또는 파일을 사용 중인 프로그램)에서 파일을 닫은 뒤");
    // The English words until Rust gives Korean ones, which then win.
    expect(errorDetail(inUse)).toBe("C:\\x.xlsx is open in another program");
    expect(errorDetail({ ...inUse, message_ko: "C:\\x.xlsx 파일이 다른 프로그램에서 열려 있어 덮어쓸 수 없습니다." }))
      .toContain("덮어쓸 수 없습니다");
    // Where the text says it all, the English words are not repeated beneath.
    expect(errorDetail({ code: "run_in_progress", message: "a diagnosis run is already going", message_ko: null })).toBe("");
    i18n.set("en");
  });

  it("a code this build does not know is shown as unexpected, keeping the code", () => {
    const shown = toErrorView({ code: "engine.from_the_future", message: "odd", message_ko: null });
    expect(shown.code).toBe("ui.unexpected");
    expect(shown.message).toBe("engine.from_the_future: odd");
    expect(toErrorView(new Error("boom\nstack")).message).toBe("boom");
    expect(toErrorView({ code: "sync.unauthorized", message: "401", message_ko: null }).code).toBe("sync.unauthorized");
  });
});
