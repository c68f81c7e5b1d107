// A QR code of a short URL as an SVG (rects with fill attributes: no inline styles,
// so the strict CSP holds). The encoding itself is the vendored qrcode-generator.
import { svg } from "./dom.js";

export function qrSvg(text, size = 160) {
  if (typeof window.qrcode !== "function") return null;
  const code = window.qrcode(0, "M");
  code.addData(text);
  code.make();
  const count = code.getModuleCount();
  const margin = 2;
  const cells = [];
  for (let row = 0; row < count; row += 1) {
    for (let col = 0; col < count; col += 1) {
      if (code.isDark(row, col)) {
        cells.push(svg("rect", { x: col + margin, y: row + margin, width: 1, height: 1 }));
      }
    }
  }
  const extent = count + margin * 2;
  return svg("svg", {
    viewBox: `0 0 ${extent} ${extent}`, width: size, height: size, role: "img",
    "aria-label": `QR code for ${text}`, "data-testid": "qr-code", "shape-rendering": "crispEdges",
  }, svg("rect", { width: extent, height: extent, fill: "#fff" }), svg("g", { fill: "#000" }, cells));
}
