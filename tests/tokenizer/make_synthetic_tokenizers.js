// Builds small WordPiece (BERT-style) and Unigram (SentencePiece-style) tokenizers with the
// real HF tokenizers library and saves them as tokenizer.json files, so that the models this
// repository has no real files for are still checked against the oracle. Vocabularies come
// from the conformance corpus; some characters are left out on purpose to exercise unk paths.
// usage: node make_synthetic_tokenizers.js CORPUS_JSONL OUT_DIR
'use strict';
const fs = require('fs');
const path = require('path');
const t = require('@anush008/tokenizers');

const [corpusPath, outDir] = process.argv.slice(2);
const texts = fs.readFileSync(corpusPath, 'utf8').split('\n').filter((l) => l).map((l) => JSON.parse(l).text);

// Word frequencies over lowercased, NFD-accent-stripped text (roughly what BERT sees).
const freq = new Map();
const chars = new Set();
for (const text of texts) {
  const norm = text.normalize('NFD').replace(/\p{Mn}/gu, '').toLowerCase();
  for (const ch of norm) chars.add(ch);
  for (const w of norm.split(/[\s\p{P}]+/u)) if (w) freq.set(w, (freq.get(w) || 0) + 1);
}
const words = [...freq.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map((e) => e[0]);
const charList = [...chars].filter((c) => !/\s/u.test(c)).sort();

// WordPiece: specials, chars (every 9th left out), ##chars, frequent words and their pieces.
const wpVocab = {};
let id = 0;
const addWp = (tok) => { if (!(tok in wpVocab)) wpVocab[tok] = id++; };
['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'].forEach(addWp);
charList.forEach((c, i) => { if (i % 9 !== 4) { addWp(c); addWp('##' + c); } });
for (const w of words.slice(0, 400)) {
  const cs = [...w];
  if (cs.length > 1) addWp(w);
  for (let k = 2; k < cs.length; k += 2) addWp('##' + cs.slice(k, k + 3).join(''));
}
const wp = new t.Tokenizer(t.WordPiece.init(wpVocab, { unkToken: '[UNK]', continuingSubwordPrefix: '##', maxInputCharsPerWord: 40 }));
wp.setNormalizer(t.bertNormalizer({ cleanText: true, handleChineseChars: true, stripAccents: true, lowercase: true }));
wp.setPreTokenizer(t.bertPreTokenizer());
wp.setPostProcessor(t.bertProcessing(['[SEP]', wpVocab['[SEP]']], ['[CLS]', wpVocab['[CLS]']]));
wp.setDecoder(t.wordPieceDecoder('##', true));
wp.save(path.join(outDir, 'wordpiece_tokenizer.json'));

// Unigram: <unk>, chars (every 11th left out), ▁-words and substrings, deterministic scores.
function unigram(byteFallback, prependScheme) {
  const pieces = [['<unk>', 0]];
  const seen = new Set(['<unk>']);
  const add = (p, score) => { if (!seen.has(p)) { seen.add(p); pieces.push([p, score]); } };
  if (byteFallback) for (let b = 0; b < 256; b++) add('<0x' + b.toString(16).toUpperCase().padStart(2, '0') + '>', 0);
  charList.forEach((c, i) => { if (i % 11 !== 3) add(c, -8 - (i % 5) * 0.25); });
  add('\u2581', -3);
  words.slice(0, 600).forEach((w, i) => {
    add('\u2581' + w, -4 - i * 0.01);
    const cs = [...w];
    for (let k = 0; k + 2 <= cs.length; k += 2) add(cs.slice(k, k + 2).join(''), -6 - ((i + k) % 7) * 0.3);
  });
  const tok = new t.Tokenizer(t.Unigram.init(pieces, { unkId: 0, byteFallback }));
  tok.setNormalizer(t.sequenceNormalizer([t.nfkcNormalizer(), t.replace('  ', ' ')]));
  tok.setPreTokenizer(t.metaspacePreTokenizer('\u2581', prependScheme, true));
  tok.setDecoder(t.metaspaceDecoder('\u2581', prependScheme, true));
  return tok;
}
unigram(false, 'first').save(path.join(outDir, 'unigram_tokenizer.json'));
unigram(true, 'always').save(path.join(outDir, 'unigram_byte_fallback_tokenizer.json'));
