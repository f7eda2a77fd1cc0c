/**
 * What the search index holds for a message row `m`: its text, shared code and its path, and
 * the file name, which are what people remember and search for. Removing a message from the
 * (contentless) index names these same words again, so every caller computes them with this
 * one expression from the row as it was indexed.
 */
export const INDEXED_BODY = `concat_ws(' ', m.text, json_extract(m.snippet, '$.path'), json_extract(m.snippet, '$.code'), json_extract(m.file, '$.name'))`;
