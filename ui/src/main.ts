// First: makes navigator.language a tag Intl accepts before any module formats numbers.
import "./lib/locale-guard";
import { flushSync, mount } from "svelte";
import "uplot/dist/uPlot.min.css";
import "./app.css";
import App from "./App.svelte";
import { app } from "./lib/app.svelte";
import { run } from "./lib/run.svelte";
import { profileHook } from "./components/SettingsDialog.svelte";

declare global {
  interface Window {
    /** For WebDriver tests, which cannot drop files or drive native dialogs. */
    __substation?: {
      openPath(path: string): Promise<void>;
      /** Adds a function profile file while Settings is open (the native dialog stands aside). */
      addProfile(path: string): Promise<void>;
      /** For the desktop benchmark: from now on, times each run update's JavaScript, DOM and
       * layout work (not its paint); returns the list it fills, in milliseconds. */
      timeRunUpdates(): number[];
    };
  }
}

window.__substation = {
  openPath: (path: string) => app.openPath(path),
  addProfile: (path: string) => (profileHook.add ? profileHook.add(path) : Promise.reject(new Error("Settings is not open"))),
  timeRunUpdates: () => {
    const costs: number[] = [];
    const handle = run.handle.bind(run);
    run.handle = (event) => {
      const t0 = performance.now();
      handle(event);
      flushSync();
      void document.body.offsetHeight; // style and layout, as the next frame would
      costs.push(performance.now() - t0);
    };
    return costs;
  },
};

const target = document.getElementById("app");
if (target) mount(App, { target });
