#pragma once
// Writing PyTorch's .pt files (the overview is in io/pt.hpp): what torch.save writes, a
// storage per distinct torchlet storage, readable by torch.load(weights_only=True).
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "torchlet/detail/namespaces.hpp"
#include "torchlet/io/pickle.hpp"
#include "torchlet/io/pt_read.hpp"
#include "torchlet/io/zip.hpp"

namespace torchlet::io {

namespace detail {

class PtSaver {
 public:
  std::vector<std::uint8_t> run(const PtValue& v, const std::string& archive) {
    emit(v);
    w_.code('.');
    ZipWriter zip;
    zip.add(archive + "/data.pkl", w_.bytes());
    const std::string order = "little";
    zip.add(archive + "/byteorder", {reinterpret_cast<const std::uint8_t*>(order.data()), 6});
    for (std::size_t k = 0; k < data_.size(); ++k)
      zip.add(archive + "/data/" + std::to_string(k), data_[k]);
    const std::uint8_t version[] = {'3', '\n'};
    zip.add(archive + "/version", version);
    return zip.finish();
  }

 private:
  void emit(const PtValue& v) {
    std::visit(
        [&](const auto& x) {
          using X = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<X, std::monostate>)
            w_.none();
          else if constexpr (std::is_same_v<X, bool>)
            w_.boolean(x);
          else if constexpr (std::is_same_v<X, std::int64_t>)
            w_.integer(x);
          else if constexpr (std::is_same_v<X, double>)
            w_.real(x);
          else if constexpr (std::is_same_v<X, std::string>)
            w_.str(x);
          else if constexpr (std::is_same_v<X, AnyTensor>)
            std::visit([&](const auto& t) { tensor(t); }, x);
          else if constexpr (std::is_same_v<X, PtValue::List>) {
            w_.code(']');
            if (x.empty()) return;
            w_.code('(');
            for (const auto& it : x) emit(it);
            w_.code('e');
          } else if constexpr (std::is_same_v<X, PtValue::Tuple>) {
            w_.code('(');
            for (const auto& it : x.items) emit(it);
            w_.code('t');
          } else {
            if (x.ordered)
              ordered_dict();
            else
              w_.code('}');
            if (!x.size()) return;
            w_.code('(');
            for (std::size_t i = 0; i < x.size(); ++i) {
              emit(x.keys[i]);
              emit(x.values[i]);
            }
            w_.code('u');
          }
        },
        v.v);
  }
  void ordered_dict() {
    w_.global("collections", "OrderedDict");
    w_.code(')');
    w_.code('R');
  }
  template <class T>
  void tensor(const BasicTensor<T>& t) {
    if (!t.defined()) throw std::invalid_argument("save_pt: an undefined tensor");
    const auto& impl = *t.impl();
    const void* id = impl.storage.get();
    auto [it, fresh] = keys_.emplace(id, data_.size());
    if (fresh) {
      const auto& s = *impl.storage;
      std::vector<std::uint8_t> b(s.size() * sizeof(T));
      copy_le(b.data(), reinterpret_cast<const std::uint8_t*>(s.data()), s.size(), sizeof(T));
      data_.push_back(std::move(b));
    }
    constexpr Dtype code = dtype_of<T>();
    const char* type = nullptr;
    for (const auto& st : kPtStorageTypes)
      if (st.code == code) type = st.name;
    w_.global("torch._utils", "_rebuild_tensor_v2");
    w_.code('(');
    w_.code('(');
    w_.str("storage");
    w_.global("torch", type);
    w_.str(std::to_string(it->second));
    w_.str("cpu");
    w_.integer(static_cast<std::int64_t>(impl.storage->size()));
    w_.code('t');
    w_.code('Q');
    w_.integer(static_cast<std::int64_t>(impl.offset));
    w_.code('(');
    for (auto d : t.shape()) w_.integer(d);
    w_.code('t');
    w_.code('(');
    for (auto d : t.stride()) w_.integer(d);
    w_.code('t');
    w_.boolean(false);
    ordered_dict();
    w_.code('t');
    w_.code('R');
  }

  PickleWriter w_;
  std::map<const void*, std::size_t> keys_;
  std::vector<std::vector<std::uint8_t>> data_;
};

}  // namespace detail

/// The bytes torch.save(value) writes (archive entries under `archive`/).
inline std::vector<std::uint8_t> serialize_pt(const PtValue& value,
                                              const std::string& archive = "archive") {
  return detail::PtSaver().run(value, archive);
}

/// A state_dict as PyTorch's OrderedDict of tensors.
inline PtValue to_pt_value(const nn::StateDict& sd) {
  PtValue::Dict d;
  d.ordered = true;
  for (const auto& [k, t] : sd) {  // keys are unique already
    d.keys.emplace_back(k);
    d.values.emplace_back(t);
  }
  return d;
}
/// A TensorDict as PyTorch's OrderedDict of tensors.
inline PtValue to_pt_value(const TensorDict& sd) {
  PtValue::Dict d;
  d.ordered = true;
  for (const auto& [k, t] : sd.tensors) d.insert(k, t);  // (checks for repeated names)
  return d;
}

/// Writes any value as torch.save does, atomically (temporary file, fsync, rename).
inline void save_pt(const PtValue& value, const std::string& path) {
  const std::string stem = std::filesystem::path(path).stem().string();
  detail::write_file_atomic(path, serialize_pt(value, stem.empty() ? "archive" : stem), "save_pt");
}
/// torch.save(model.state_dict(), path).
inline void save_pt(const nn::StateDict& sd, const std::string& path) {
  save_pt(to_pt_value(sd), path);
}
/// Writes tensors of any dtype as a state_dict.
inline void save_pt(const TensorDict& sd, const std::string& path) {
  save_pt(to_pt_value(sd), path);
}

}  // namespace torchlet::io
