/**
 * Drawing the demo's results: text with its entities highlighted inline, the legend of entity types, the table
 * of entities. Plain DOM; no library.
 */
import type { PredictedSentence } from './model.js';

/** GMB's entity types, with a colour each and what they mean. */
export const KNOWN_TYPES: Readonly<Record<string, { color: string; label: string }>> = {
  per: { color: '#ffcf99', label: 'person' },
  org: { color: '#9fc5ff', label: 'organisation' },
  geo: { color: '#b5eaa4', label: 'geographical entity' },
  gpe: { color: '#d3c2ff', label: 'geopolitical entity' },
  tim: { color: '#fff09a', label: 'time' },
  art: { color: '#ffb8e6', label: 'artifact' },
  eve: { color: '#a6ecf0', label: 'event' },
  nat: { color: '#ffb3b3', label: 'natural phenomenon' },
};

/** The colour of an entity type: GMB's fixed ones, else a pastel hue from the type's name. */
export function typeColor(type: string): string {
  const known = KNOWN_TYPES[type];
  if (known) return known.color;
  let hash = 0;
  for (const char of type) hash = (hash * 31 + char.codePointAt(0)!) >>> 0;
  return `hsl(${hash % 360} 85% 82%)`;
}

/** What an entity type means (GMB's types), or the type itself. */
export function typeLabel(type: string): string {
  return KNOWN_TYPES[type]?.label ?? type;
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> = {},
  ...children: Array<Node | string>
): HTMLElementTagNameMap[K] {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

/** The legend: one swatch per entity type the model knows. */
export function renderLegend(container: HTMLElement, types: readonly string[]): void {
  container.replaceChildren(
    ...types.map((type) => {
      const item = el(
        'span',
        { className: 'legend-item' },
        el('span', { className: 'swatch', textContent: type.toUpperCase() }),
        ` ${typeLabel(type)}`,
      );
      (item.firstChild as HTMLElement).style.background = typeColor(type);
      item.dataset['type'] = type;
      return item;
    }),
  );
}

/**
 * `text` with each entity wrapped in a `<mark class="entity" data-type>` (coloured by type, labelled with it,
 * its confidence in the tooltip); everything else as plain text, line breaks kept.
 */
export function renderHighlights(container: HTMLElement, text: string, sentences: readonly PredictedSentence[]): void {
  const entities = sentences.flatMap((s) => s.entities).sort((a, b) => a.start - b.start);
  const nodes: Node[] = [];
  let at = 0;
  for (const e of entities) {
    if (e.start < at) continue; // never overlap (entities of one tagger do not)
    if (e.start > at) nodes.push(document.createTextNode(text.slice(at, e.start)));
    const mark = el(
      'mark',
      { className: 'entity', title: `${e.type} (${typeLabel(e.type)}), confidence ${(e.confidence * 100).toFixed(1)}%` },
      text.slice(e.start, e.end),
      el('span', { className: 'entity-type', textContent: e.type.toUpperCase() }),
    );
    mark.dataset['type'] = e.type;
    mark.dataset['start'] = String(e.start);
    mark.dataset['end'] = String(e.end);
    mark.style.background = typeColor(e.type);
    nodes.push(mark);
    at = e.end;
  }
  if (at < text.length) nodes.push(document.createTextNode(text.slice(at)));
  if (nodes.length === 0) nodes.push(el('span', { className: 'placeholder', textContent: 'Type or paste some text above.' }));
  container.replaceChildren(...nodes);
}

/** The entities as table rows: text, type, confidence, character offsets. */
export function renderEntityTable(body: HTMLTableSectionElement, sentences: readonly PredictedSentence[]): void {
  const rows = sentences.flatMap((s, i) =>
    s.entities.map((e) => {
      const type = el('td', {}, el('span', { className: 'swatch', textContent: e.type.toUpperCase() }));
      (type.firstChild as HTMLElement).style.background = typeColor(e.type);
      return el(
        'tr',
        {},
        el('td', { textContent: e.text }),
        type,
        el('td', { className: 'num', textContent: `${(e.confidence * 100).toFixed(1)}%` }),
        el('td', { className: 'num', textContent: `${i + 1}` }),
        el('td', { className: 'num', textContent: `${e.start}–${e.end}` }),
      );
    }),
  );
  if (rows.length === 0) rows.push(el('tr', {}, el('td', { colSpan: 5, className: 'placeholder', textContent: 'No entities found.' })));
  body.replaceChildren(...rows);
}
