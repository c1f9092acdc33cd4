#include "core/hf_hub.hpp"

#include <cstdlib>
#include <fstream>

#include "core/error.hpp"

namespace instill {

namespace fs = std::filesystem;

namespace {
const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}
}  // namespace

fs::path hf_hub_cache_dir() {
  if (const char* v = env("HF_HUB_CACHE")) return v;
  if (const char* v = env("HUGGINGFACE_HUB_CACHE")) return v;
  if (const char* v = env("HF_HOME")) return fs::path(v) / "hub";
  if (const char* v = env("XDG_CACHE_HOME")) return fs::path(v) / "huggingface" / "hub";
  const char* home = env("HOME");
  return fs::path(home ? home : "/") / ".cache" / "huggingface" / "hub";
}

fs::path resolve_hf_model_dir(const std::string& name) {
  std::error_code ec;
  if (fs::is_directory(name, ec)) return name;
  const fs::path cache = hf_hub_cache_dir();
  const bool hub_like = !name.empty() && name.find("..") == std::string::npos &&
                        name.front() != '/' && name.find('/') == name.rfind('/');
  fs::path repo;
  if (hub_like) {
    std::string folder = "models--" + name;
    for (size_t p = folder.find('/'); p != std::string::npos; p = folder.find('/'))
      folder.replace(p, 1, "--");
    repo = cache / folder;
    if (fs::is_directory(repo / "snapshots", ec)) {
      // refs/main names the snapshot a plain from_pretrained would use.
      std::ifstream ref(repo / "refs" / "main");
      std::string revision;
      if (ref && std::getline(ref, revision) && !revision.empty() &&
          fs::is_directory(repo / "snapshots" / revision, ec))
        return repo / "snapshots" / revision;
      fs::path only;
      int count = 0;
      for (const auto& e : fs::directory_iterator(repo / "snapshots", ec))
        if (e.is_directory()) {
          only = e.path();
          ++count;
        }
      if (count == 1) return only;
      if (count > 1)
        throw Error("model \"" + name + "\": " + (repo / "snapshots").string() +
                    " holds several snapshots and refs/main names none of them; pass the "
                    "snapshot directory itself");
    }
  }
  std::string msg = "model \"" + name + "\" not found: it is not a local directory";
  if (hub_like)
    msg += ", and the Hugging Face cache has no " + repo.string() +
           " (cache: $HF_HUB_CACHE, $HF_HOME/hub or ~/.cache/huggingface/hub). instill does not "
           "download models: on a machine with network run `huggingface-cli download " +
           name + "` (or git clone https://huggingface.co/" + name +
           ") and copy the cache or the directory here";
  throw Error(msg);
}

}  // namespace instill
