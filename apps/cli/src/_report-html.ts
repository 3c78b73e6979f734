/** A self-contained HTML report: every picture inlined as a data URI, nothing fetched. */
export interface ReportImage {
  title: string;
  /** PNG or SVG bytes/text. */
  data: Uint8Array | string;
  type: 'png' | 'svg';
  caption?: string;
}

export interface ReportSection {
  title: string;
  text?: string;
  /** Shown side by side (wrapping on narrow screens). */
  images: ReportImage[];
}

export interface ReportTable {
  headers: string[];
  rows: string[][];
}

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

function dataUri(image: ReportImage): string {
  const bytes = typeof image.data === 'string' ? Buffer.from(image.data, 'utf8') : Buffer.from(image.data);
  return `data:${image.type === 'png' ? 'image/png' : 'image/svg+xml'};base64,${bytes.toString('base64')}`;
}

export function reportHtml(options: {
  title: string;
  intro: string[];
  table: ReportTable;
  sections: ReportSection[];
  notes: string[];
}): string {
  const table = [
    '<table>',
    `<tr>${options.table.headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`,
    ...options.table.rows.map((row) => `<tr>${row.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`),
    '</table>',
  ].join('\n');
  const sections = options.sections.map((section) =>
    [
      `<section><h2>${escapeHtml(section.title)}</h2>`,
      section.text ? `<p>${escapeHtml(section.text)}</p>` : '',
      '<div class="row">',
      ...section.images.map(
        (image) =>
          `<figure><img alt="${escapeHtml(image.title)}" src="${dataUri(image)}"><figcaption><b>${escapeHtml(image.title)}</b>${image.caption ? `<br>${escapeHtml(image.caption)}` : ''}</figcaption></figure>`,
      ),
      '</div></section>',
    ].join('\n'),
  );
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(options.title)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1400px; padding: 0 1rem; color: #222; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border: 1px solid #ccc; padding: 0.3rem 0.8rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.row { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; }
figure { margin: 0; max-width: 100%; }
figure img { max-width: 100%; image-rendering: pixelated; border: 1px solid #ddd; }
figcaption { font-size: 0.85rem; color: #444; max-width: 420px; }
.notes { color: #555; font-size: 0.9rem; }
</style>
</head>
<body>
<h1>${escapeHtml(options.title)}</h1>
${options.intro.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n')}
${table}
${sections.join('\n')}
<section class="notes"><h2>Notes</h2><ul>${options.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul></section>
</body>
</html>
`;
}
