// Oracle side of bench/tokenizer_bench.sh: loads tokenizer.json with the Rust HF tokenizers
// (node binding) and encodes every {"text"} line of a JSONL file with one encodeBatch call.
// Prints the total token count, or with --dump the ids as {"ids": [...]} lines.
// Run with TOKENIZERS_PARALLELISM=false for the single-threaded baseline.
// usage: node tokenizer_oracle_bench.js TOKENIZER_JSON CORPUS_JSONL [SPECIALS_JSON] [--dump]
'use strict';
const fs = require('fs');
const { Tokenizer } = require('@anush008/tokenizers');

async function main() {
  const [tokenizerPath, corpusPath, specials, flag] = process.argv.slice(2);
  const tok = Tokenizer.fromFile(tokenizerPath);
  if (specials && specials !== '[]') tok.addSpecialTokens(JSON.parse(specials));
  const texts = fs.readFileSync(corpusPath, 'utf8').split('\n').filter((l) => l.length > 0)
    .map((l) => JSON.parse(l).text);
  const encodings = await tok.encodeBatch(texts, { addSpecialTokens: true });
  if (flag === '--dump') {
    process.stdout.write(encodings.map((e) => JSON.stringify({ ids: e.getIds() })).join('\n') + '\n');
    return;
  }
  let total = 0;
  for (const e of encodings) total += e.getLength();
  process.stdout.write(`${total}\n`);
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack ? e.stack : e) + '\n');
  process.exit(1);
});
