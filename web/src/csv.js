// Reading a CSV file the user picked: UTF-8 (with or without BOM), otherwise GB18030, which
// is what Chinese Excel writes by default. The server refuses text that was decoded wrongly.
export async function readCsvFile(file) {
  const buf = await file.arrayBuffer()
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf)
  } catch {
    return new TextDecoder('gb18030').decode(buf)
  }
}
