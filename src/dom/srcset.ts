/**
 * `srcset` rewriting that changes URLs and nothing else. Tokenised as the HTML
 * standard parses it: a URL is a run of non-whitespace (it may contain commas,
 * as in `w_100,h_100` image-CDN paths), trailing commas end a candidate, and the
 * descriptors run to the next comma outside parentheses.
 */

/**
 * `srcset` with each URL replaced by `map(url)` (`undefined` keeps it), spacing,
 * commas and descriptors untouched; `undefined` when no URL changed.
 */
export function mapSrcset(srcset: string, map: (url: string) => string | undefined): string | undefined {
  const n = srcset.length;
  const space = (i: number): boolean => /\s/.test(srcset.charAt(i));
  let out = "";
  let changed = false;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j < n && (space(j) || srcset[j] === ",")) j++;
    out += srcset.slice(i, j);
    if (j >= n) break;
    i = j;
    while (j < n && !space(j)) j++;
    let url = srcset.slice(i, j);
    const commas = /,*$/.exec(url)?.[0] ?? "";
    url = url.slice(0, url.length - commas.length);
    const mapped = map(url);
    if (mapped !== undefined && mapped !== url) changed = true;
    out += (mapped ?? url) + commas;
    i = j;
    if (commas === "") {
      let depth = 0;
      while (j < n && (srcset[j] !== "," || depth > 0)) {
        if (srcset[j] === "(") depth++;
        else if (srcset[j] === ")") depth--;
        j++;
      }
      out += srcset.slice(i, j);
      i = j;
    }
  }
  return changed ? out : undefined;
}

/** The URLs of a `srcset`, in order. */
export function srcsetUrls(srcset: string): string[] {
  const urls: string[] = [];
  mapSrcset(srcset, (url) => {
    urls.push(url);
    return undefined;
  });
  return urls;
}
