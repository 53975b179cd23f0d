// Valid national identifiers for tests, with their check characters computed as the
// standards say (the server checks them the same way).

/** A GB 11643 citizen ID number: region (6), birth date YYYYMMDD, sequence (3), check. */
export function idCard(region, birth, seq) {
  const body = `${region}${birth}${seq}`;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((s, ch, i) => s + Number(ch) * w[i], 0);
  return body + '10X98765432'[sum % 11];
}

const ALPHA = '0123456789ABCDEFGHJKLMNPQRTUWXY';

/** A GB 32100 unified social credit code: 9 (registered by market regulation), 1
 *  (enterprise), region, an organisation code with its GB 11714 check, and the check. */
export function creditCode(region = '510104', org = '12345678') {
  const ow = [3, 7, 9, 10, 5, 8, 4, 2];
  // GB 11714 counts a letter as A=10 … Z=35 (the whole alphabet, unlike GB 32100)
  const value = (ch) => parseInt(ch, 36);
  const os = [...org].reduce((s, ch, i) => s + value(ch) * ow[i], 0);
  const oc = 11 - (os % 11);
  const body = `91${region}${org}${oc === 10 ? 'X' : oc === 11 ? '0' : String(oc)}`;
  const w = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  const sum = [...body].reduce((s, ch, i) => s + ALPHA.indexOf(ch) * w[i], 0);
  return body + ALPHA[(31 - (sum % 31)) % 31];
}
