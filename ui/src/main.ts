// First: makes navigator.language a tag Intl accepts before any module formats numbers.
import "./lib/locale-guard";
import { mount } from "svelte";
import "uplot/dist/uPlot.min.css";
import "./app.css";
import App from "./App.svelte";
import { app } from "./lib/app.svelte";

declare global {
  interface Window {
    /** For WebDriver tests, which cannot drop files or drive native dialogs. */
    __substation?: { openPath(path: string): Promise<void> };
  }
}

window.__substation = {
  openPath: (path: string) => app.openPath(path),
};

const target = document.getElementById("app");
if (target) mount(App, { target });
