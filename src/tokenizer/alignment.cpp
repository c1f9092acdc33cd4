#include "tokenizer/alignment.hpp"

#include <utf8proc.h>

#include <algorithm>

#include "tokenizer/inert_chars.hpp"

namespace instill::tokenizer {
namespace {

// A character of the normalization buffer, with HF's `change` for it (0: it replaces the next
// input character, -n: it also consumes the n after that, +1: it is inserted).
struct Changed {
  char32_t cp;
  int change;
};

int combining_class(char32_t cp) {
  return utf8proc_get_property(static_cast<utf8proc_int32_t>(cp))->combining_class;
}

// The primary composite of a and b, or 0.
char32_t compose_pair(char32_t a, char32_t b) {
  utf8proc_int32_t pair[2] = {static_cast<utf8proc_int32_t>(a), static_cast<utf8proc_int32_t>(b)};
  const auto n = utf8proc_normalize_utf32(
      pair, 2, static_cast<utf8proc_option_t>(UTF8PROC_COMPOSE | UTF8PROC_STABLE));
  return n == 1 ? static_cast<char32_t>(pair[0]) : 0;
}

// HF's (character, change) sequence for normalizing `stretch` (the Unicode algorithm with
// each character carrying its change: a decomposition's first character replaces its source,
// the rest are inserted; reordering moves changes along; a composite adds up its parts' changes
// and consumes one more input character).
std::vector<Changed> hf_changes(std::string_view stretch, text::NormalizationForm form) {
  using text::NormalizationForm;
  const bool compat = form == NormalizationForm::kNFKC || form == NormalizationForm::kNFKD;
  const bool composes = form == NormalizationForm::kNFC || form == NormalizationForm::kNFKC;
  std::vector<Changed> buf;
  for (std::size_t i = 0; i < stretch.size();) {
    const char32_t cp = decode_utf8_unchecked(stretch, i);
    utf8proc_int32_t parts[32];
    int boundclass = 0;
    const auto n = utf8proc_decompose_char(
        static_cast<utf8proc_int32_t>(cp), parts, 32,
        static_cast<utf8proc_option_t>(UTF8PROC_DECOMPOSE | (compat ? UTF8PROC_COMPAT : 0)),
        &boundclass);
    if (n < 1 || n > 32) return {};
    for (utf8proc_ssize_t k = 0; k < n; ++k) {
      buf.push_back({static_cast<char32_t>(parts[k]), k == 0 ? 0 : 1});
    }
  }
  // Canonical ordering: runs of non-starters sorted by combining class, stably.
  for (std::size_t b = 0; b < buf.size();) {
    std::size_t e = b;
    while (e < buf.size() && combining_class(buf[e].cp) != 0) ++e;
    std::stable_sort(buf.begin() + b, buf.begin() + e, [](const Changed& x, const Changed& y) {
      return combining_class(x.cp) < combining_class(y.cp);
    });
    b = e == b ? b + 1 : e;
  }
  if (!composes) return buf;
  // Canonical composition: a character composes with the last starter unless blocked.
  std::vector<Changed> out;
  std::size_t starter = SIZE_MAX;
  int last_class = -1;  // class of the last character kept after the starter; -1: none
  for (const Changed& c : buf) {
    const int cls = combining_class(c.cp);
    const bool unblocked =
        starter != SIZE_MAX && (last_class == -1 || (last_class != 0 && last_class < cls));
    if (unblocked) {
      if (const char32_t composite = compose_pair(out[starter].cp, c.cp)) {
        out[starter] = {composite, out[starter].change + c.change - 1};
        continue;
      }
    }
    out.push_back(c);
    if (cls == 0) {
      starter = out.size() - 1;
      last_class = -1;
    } else {
      last_class = cls;
    }
  }
  return out;
}

// Appends the normalized form of one stretch, placing each output character where HF's change
// sequence puts it; `origin` is the stretch's own.
void normalize_stretch(std::string_view stretch, const uint32_t* origin,
                       text::NormalizationForm form, std::string& out,
                       std::vector<uint32_t>& out_origin) {
  const std::string normalized = text::normalize(stretch, form);
  if (normalized == stretch) {
    out += normalized;
    out_origin.insert(out_origin.end(), origin, origin + stretch.size());
    return;
  }
  std::vector<uint32_t> sources;  // origin of each input character
  for (std::size_t i = 0; i < stretch.size();) {
    sources.push_back(origin[i]);
    decode_utf8_unchecked(stretch, i);
  }
  const std::vector<Changed> changes = hf_changes(stretch, form);
  std::string emulated;
  for (const Changed& c : changes) append_utf8(emulated, c.cp);
  out += normalized;
  if (emulated != normalized) {  // not expected; the stretch's first character then
    out_origin.resize(out.size(), sources[0]);
    return;
  }
  std::size_t next = 0;  // the next input character a replacing output character takes
  for (const Changed& c : changes) {
    const std::size_t size = c.cp < 0x80 ? 1 : c.cp < 0x800 ? 2 : c.cp < 0x10000 ? 3 : 4;
    uint32_t source;
    if (c.change > 0) {
      source = sources[next > 0 ? next - 1 : 0];
    } else {
      source = sources[std::min(next, sources.size() - 1)];
      next += 1 + static_cast<std::size_t>(-c.change);
    }
    out_origin.insert(out_origin.end(), size, source);
  }
}

}  // namespace

std::vector<uint32_t> identity_origin(std::string_view text, uint32_t base) {
  std::vector<uint32_t> origin(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t start = i;
    decode_utf8_unchecked(text, i);
    for (std::size_t k = start; k < i; ++k) origin[k] = base + static_cast<uint32_t>(start);
  }
  return origin;
}

void replace_aligned(std::string& text, std::vector<uint32_t>& origin,
                     const std::vector<std::pair<std::size_t, std::size_t>>& spans,
                     std::string_view content) {
  std::string out;
  out.reserve(text.size());
  std::vector<uint32_t> out_origin;
  out_origin.reserve(origin.size());
  std::size_t last = 0;
  for (const auto& [b, e] : spans) {
    out.append(text, last, b - last);
    out_origin.insert(out_origin.end(), origin.begin() + last, origin.begin() + b);
    out.append(content);
    out_origin.resize(out.size(), origin[e - 1]);
    last = e;
  }
  out.append(text, last, std::string::npos);
  out_origin.insert(out_origin.end(), origin.begin() + last, origin.end());
  text = std::move(out);
  origin = std::move(out_origin);
}

void normalize_aligned(std::string& text, std::vector<uint32_t>& origin,
                       text::NormalizationForm form) {
  std::string out;
  std::vector<uint32_t> out_origin;
  std::size_t copied = 0;  // text[..copied) is already in out
  for_each_active_stretch(text, form, [&](std::size_t from, std::size_t to) {
    out.append(text, copied, from - copied);
    out_origin.insert(out_origin.end(), origin.begin() + copied, origin.begin() + from);
    normalize_stretch(std::string_view(text).substr(from, to - from), origin.data() + from, form,
                      out, out_origin);
    copied = to;
  });
  if (copied == 0) return;  // nothing to change
  out.append(text, copied, std::string::npos);
  out_origin.insert(out_origin.end(), origin.begin() + copied, origin.end());
  text = std::move(out);
  origin = std::move(out_origin);
}

}  // namespace instill::tokenizer
