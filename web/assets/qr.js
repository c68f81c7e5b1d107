// QR codes of short URLs: shown as SVG (rects with fill attributes: no inline styles, so
// the strict CSP holds) and downloadable as SVG or PNG. The encoding itself is the
// vendored qrcode-generator.
import { downloadBlob, h, svg } from "./dom.js";
import { button } from "./components.js";

const MARGIN = 2;

function modules(text) {
  if (typeof window.qrcode !== "function") return null;
  const code = window.qrcode(0, "M");
  code.addData(text);
  code.make();
  const count = code.getModuleCount();
  const dark = [];
  for (let row = 0; row < count; row += 1) {
    for (let col = 0; col < count; col += 1) if (code.isDark(row, col)) dark.push([col, row]);
  }
  return { extent: count + MARGIN * 2, dark };
}

export function qrSvg(text, size = 160) {
  const code = modules(text);
  if (!code) return null;
  return svg("svg", {
    xmlns: "http://www.w3.org/2000/svg", viewBox: `0 0 ${code.extent} ${code.extent}`,
    width: size, height: size, role: "img", "aria-label": `QR code for ${text}`,
    "data-testid": "qr-code", "shape-rendering": "crispEdges", class: "qr",
  }, svg("rect", { width: code.extent, height: code.extent, fill: "#fff" }),
  svg("g", { fill: "#000" }, code.dark.map(([x, y]) => svg("rect", { x: x + MARGIN, y: y + MARGIN, width: 1, height: 1 }))));
}

function pngBlob(text, scale = 10) {
  const code = modules(text);
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = code.extent * scale;
  const context = canvas.getContext("2d");
  context.fillStyle = "#fff";
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.fillStyle = "#000";
  for (const [x, y] of code.dark) context.fillRect((x + MARGIN) * scale, (y + MARGIN) * scale, scale, scale);
  return new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
}

function fileStem(text) {
  return `qr-${text.replace(/^https?:\/\//, "").replace(/[^A-Za-z0-9_-]+/g, "-")}`;
}

// The code with its two download buttons.
export function qrBlock(text) {
  const image = qrSvg(text);
  if (!image) return h("p", { class: "muted" }, "QR codes need the page's scripts.");
  const saveSvg = button("Download SVG", () => {
    const source = new XMLSerializer().serializeToString(qrSvg(text, 512));
    downloadBlob(new Blob([source], { type: "image/svg+xml" }), `${fileStem(text)}.svg`);
  }, { "data-testid": "qr-svg" });
  const savePng = button("Download PNG", async () => {
    downloadBlob(await pngBlob(text), `${fileStem(text)}.png`);
  }, { "data-testid": "qr-png" });
  return h("div", { class: "qr-block" }, image, h("div", { class: "actions-row" }, savePng, saveSvg));
}
