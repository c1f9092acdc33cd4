#pragma once
// Python str methods with Unicode semantics over UTF-8 text: case mapping, whitespace
// (str.isspace), strip/split/splitlines, and code-point indexing. Used where output must
// match Python byte for byte (the Jinja engine).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace instill::text {

std::vector<uint32_t> to_code_points(std::string_view s);
std::string from_code_points(const std::vector<uint32_t>& cps, size_t begin, size_t end);
size_t code_point_count(std::string_view s);
bool is_ascii(std::string_view s);

bool py_isspace(uint32_t cp);
std::string py_upper(std::string_view s);
std::string py_lower(std::string_view s);
std::string py_title(std::string_view s);       // str.title()
std::string py_capitalize(std::string_view s);  // str.capitalize()
std::string py_swapcase(std::string_view s);
bool py_is_lower(std::string_view s);  // str.islower()
bool py_is_upper(std::string_view s);  // str.isupper()

// str.strip/lstrip/rstrip: chars == nullopt strips whitespace.
std::string py_strip(std::string_view s, const std::optional<std::string>& chars, bool left,
                     bool right);
// str.split/rsplit: sep == nullopt splits on whitespace runs. maxsplit < 0: no limit.
std::vector<std::string> py_split(std::string_view s, const std::optional<std::string>& sep,
                                  int64_t maxsplit);
std::vector<std::string> py_rsplit(std::string_view s, const std::optional<std::string>& sep,
                                   int64_t maxsplit);
std::vector<std::string> py_splitlines(std::string_view s);
// str.center(width, fill=' ').
std::string py_center(std::string_view s, int64_t width);

}  // namespace instill::text
