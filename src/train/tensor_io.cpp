#include "train/tensor_io.hpp"

#include <cstring>
#include <vector>

#include "core/error.hpp"
#include "core/safetensors.hpp"

namespace instill::train {

namespace {
// safetensors dtype names <-> torch scalar types, one table for both directions.
constexpr std::pair<const char*, torch::ScalarType> kDtypes[] = {
    {"F32", torch::kFloat32},   {"F64", torch::kFloat64}, {"F16", torch::kFloat16},
    {"BF16", torch::kBFloat16}, {"I64", torch::kInt64},   {"I32", torch::kInt32},
    {"I16", torch::kInt16},     {"I8", torch::kInt8},     {"U8", torch::kUInt8},
    {"BOOL", torch::kBool}};

const char* dtype_name(torch::ScalarType t) {
  for (const auto& [name, type] : kDtypes)
    if (type == t) return name;
  throw Error(std::string("cannot store tensors of dtype ") + c10::toString(t));
}
torch::ScalarType scalar_type(const std::string& name) {
  for (const auto& [n, type] : kDtypes)
    if (name == n) return type;
  throw Error("safetensors dtype " + name + " has no torch equivalent here");
}
}  // namespace

void save_tensors(const std::filesystem::path& path,
                  const std::map<std::string, torch::Tensor>& tensors,
                  const std::map<std::string, std::string>& metadata) {
  SafetensorsWriter w;
  std::vector<torch::Tensor> keep;  // contiguous CPU copies live until the write
  for (const auto& [name, t] : tensors) {
    torch::Tensor c = t.detach().to(torch::kCPU).contiguous();
    keep.push_back(c);
    std::vector<int64_t> shape(c.sizes().begin(), c.sizes().end());
    w.add(name, dtype_name(c.scalar_type()), shape, c.data_ptr(), c.numel() * c.element_size());
  }
  for (const auto& [k, v] : metadata) w.set_metadata(k, v);
  w.write(path);
}

std::map<std::string, torch::Tensor> load_tensors(const std::filesystem::path& path) {
  SafetensorsReader r(path);
  std::map<std::string, torch::Tensor> out;
  for (const auto& [name, e] : r.entries()) {
    torch::Tensor t = torch::empty(e.shape, scalar_type(e.dtype));
    std::string_view bytes = r.bytes(name);
    if (!bytes.empty()) std::memcpy(t.data_ptr(), bytes.data(), bytes.size());
    out.emplace(name, std::move(t));
  }
  return out;
}

}  // namespace instill::train
