// The safetensors reader and writer: round trips of every dtype, files written by the
// Python reference writer (scripts/make_io_checkpoint_fixtures.py), and a table of
// malformed files, each a FormatError naming the file and the problem.
#include <torchlet/io/safetensors.hpp>

#include "catch.hpp"
#include "vision/support.hpp"

// A namespace per file: the folder's unity build (tests/CMakeLists.txt) compiles files together.
namespace TORCHLET_TEST_FILE {

using namespace torchlet;
using io::AnyTensor;

namespace {
/// A file from a header text and a data section.
std::vector<std::uint8_t> file_of(const std::string& header, const std::vector<std::uint8_t>& data,
                                  std::uint64_t n = 0) {
  if (!n) n = header.size();
  std::vector<std::uint8_t> out;
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}
}  // namespace

TEST_CASE("serialize and deserialize round-trip every dtype, shape and the metadata") {
  const std::vector<std::pair<std::string, AnyTensor>> tensors{
      {"w", tensor<float>({{1.5f, -2.f, 3.f}, {4.f, 5.f, 6.25f}})},
      {"d", tensor<double>({1e-300, 2.5})},
      {"l", tensor<std::int64_t>({-1, INT64_MAX})},
      {"i", tensor<std::int32_t>({7})},
      {"b", tensor<std::uint8_t>({0, 255})},
      {"m", from_vector(std::vector<bool>{true, false, true}, Shape{3})},
      {"scalar", full<float>({}, 3.f)},
      {"empty", Tensor::empty({0, 4})},
      {"weird \"name\"\n", zeros({1})},
  };
  const std::map<std::string, std::string> meta{{"format", "pt"},
                                                {"note", "\"quoted\" \\ and \u00e9"}};
  const auto bytes = io::serialize(tensors, meta);
  CHECK((8 + io::detail::read_le64(bytes.data())) % 8 == 0);  // data 8-byte aligned
  const auto f = io::deserialize(bytes, "mem");
  CHECK(f.metadata == meta);
  REQUIRE(f.keys() == std::vector<std::string>{"w", "d", "l", "i", "b", "m", "scalar", "empty",
                                               "weird \"name\"\n"});
  CHECK(test::equal(std::get<Tensor>(f.at("w")), std::get<Tensor>(tensors[0].second)));
  CHECK(std::get<DoubleTensor>(f.at("d")).to_vector() == std::vector<double>{1e-300, 2.5});
  CHECK(std::get<LongTensor>(f.at("l")).to_vector() == std::vector<std::int64_t>{-1, INT64_MAX});
  CHECK(std::get<IntTensor>(f.at("i")).to_vector() == std::vector<std::int32_t>{7});
  CHECK(std::get<ByteTensor>(f.at("b")).to_vector() == std::vector<std::uint8_t>{0, 255});
  CHECK(std::get<BoolTensor>(f.at("m")).to_vector() == std::vector<bool>{true, false, true});
  CHECK(std::get<Tensor>(f.at("scalar")).shape() == Shape{});
  CHECK(std::get<Tensor>(f.at("empty")).shape() == Shape{0, 4});
  CHECK(f.get<double>("i").to_vector() == std::vector<double>{7.0});  // converted on request
  CHECK_THROWS_AS(f.at("nope"), std::out_of_range);
  // std::map<std::string, Tensor> works as it is.
  const std::map<std::string, Tensor> plain{{"a", ones({2})}};
  CHECK(io::deserialize(io::serialize(plain)).get("a").to_vector() == std::vector<float>{1, 1});
  const std::vector<std::pair<std::string, Tensor>> dup{{"a", ones({1})}, {"a", ones({1})}};
  CHECK_THROWS_AS(io::serialize(dup), std::invalid_argument);
  const std::vector<std::pair<std::string, Tensor>> reserved{{"__metadata__", ones({1})}};
  CHECK_THROWS_AS(io::serialize(reserved), std::invalid_argument);
}

TEST_CASE("views are written as their elements in row-major order") {
  // The writer reads a view's gathered data(): transposed, stepped, expanded (stride 0) and
  // offset views of float, int64 and uint8 tensors, a view of a leaf that requires grad; the
  // base is left as it was.
  const auto base = arange<float>(0, 12).reshape({3, 4});
  const auto leaf = arange<float>(0, 6).reshape({2, 3}).requires_grad_();
  const auto longs = arange<std::int64_t>(0, 8).reshape({2, 4});
  const auto bytes_base = arange<std::uint8_t>(0, 5);
  const std::vector<std::pair<std::string, AnyTensor>> views{
      {"t", base.t()},
      {"stepped", base.index({indexing::Slice(), indexing::Slice(1, indexing::None, 2)})},
      {"expanded", longs.select(0, 1).unsqueeze(0).expand({3, 4})},
      {"offset", bytes_base.narrow(0, 2, 3)},
      {"grad_view", leaf.t()},
  };
  const auto f = io::deserialize(io::serialize(views), "mem");
  CHECK(test::equal(std::get<Tensor>(f.at("t")), base.t().contiguous()));
  CHECK(test::equal(
      std::get<Tensor>(f.at("stepped")),
      base.index({indexing::Slice(), indexing::Slice(1, indexing::None, 2)}).contiguous()));
  CHECK(std::get<LongTensor>(f.at("expanded")).shape() == Shape{3, 4});
  CHECK(std::get<LongTensor>(f.at("expanded")).to_vector() ==
        std::vector<std::int64_t>{4, 5, 6, 7, 4, 5, 6, 7, 4, 5, 6, 7});
  CHECK(std::get<ByteTensor>(f.at("offset")).to_vector() == std::vector<std::uint8_t>{2, 3, 4});
  CHECK(std::get<Tensor>(f.at("grad_view")).to_vector() == std::vector<float>{0, 3, 1, 4, 2, 5});
  CHECK(test::equal(base, arange<float>(0, 12).reshape({3, 4})));
}

TEST_CASE("files written by the Python reference writer are read exactly") {
  const auto f = io::load_file(test::fixture_path("io/dtypes.safetensors"));
  CHECK(f.metadata.at("made_by").rfind("torch ", 0) == 0);
  const auto expect = f.get<double>("expected_f64");  // every tensor below holds these values
  CHECK(test::max_abs_diff(f.get<double>("f32"), expect) < 1e-6);
  CHECK(test::max_abs_diff(f.get<double>("f64"), expect) == 0);
  CHECK(test::max_abs_diff(f.get<double>("f16"), expect) < 1e-3);  // widened to float
  CHECK(test::max_abs_diff(f.get<double>("bf16"), expect) < 1e-2);
  CHECK(std::holds_alternative<Tensor>(f.at("f16")));
  CHECK(std::holds_alternative<Tensor>(f.at("bf16")));
  CHECK(f.get<std::int64_t>("i64").to_vector() == std::vector<std::int64_t>{-3, 0, 5, 1LL << 40});
  CHECK(f.get<std::int64_t>("i8").to_vector() == std::vector<std::int64_t>{-128, 0, 5, 127});
  CHECK(f.get<std::int64_t>("i16").to_vector() == std::vector<std::int64_t>{-32768, 0, 5, 32767});
  CHECK(f.get<std::int64_t>("u8").to_vector() == std::vector<std::int64_t>{0, 1, 128, 255});
  CHECK(std::get<BoolTensor>(f.at("bool")).to_vector() ==
        std::vector<bool>{true, false, false, true});
  CHECK(f.get<float>("f16_special").to_vector()[0] == std::numeric_limits<float>::infinity());
  CHECK(f.get<float>("f16_special").to_vector()[1] ==
        5.960464477539063e-08f);  // smallest subnormal
  CHECK(std::get<Tensor>(f.at("matrix")).shape() == Shape{2, 3, 4});
  CHECK(std::get<Tensor>(f.at("matrix")).data()[23] == 23.0f);
}

TEST_CASE("every malformed safetensors file is a FormatError naming the file and the problem") {
  test::TempDir dir;
  const std::string ok = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  const std::vector<std::uint8_t> data8(8, 0);
  struct Case {
    const char* name;
    std::vector<std::uint8_t> bytes;
    const char* message;
  };
  std::vector<Case> cases{
      {"empty", {}, "too short for the 8-byte header length"},
      {"short", {1, 0, 0}, "too short"},
      {"header past the end", file_of(ok, data8, 1000), "goes past the end of the file"},
      {"40 bytes asking for 100 GB", file_of(ok, data8, 100'000'000'000ULL),
       "exceeds the limit of 100000000 bytes"},
      {"not an object", file_of("[1,2]", {}), "does not start with '{'"},
      {"bad json", file_of(R"({"a":{"dtype":"F32",)", {}), "invalid JSON"},
      {"duplicate key",
       file_of(
           R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}})",
           {}),
       "duplicate key"},
      {"deep nesting",
       file_of("{\"__metadata__\":" + std::string(100, '[') + std::string(100, ']') + "}", {}),
       "nesting deeper"},
      {"unknown dtype", file_of(R"({"a":{"dtype":"F33","shape":[2],"data_offsets":[0,8]}})", data8),
       "unknown dtype 'F33'"},
      {"U64", file_of(R"({"a":{"dtype":"U64","shape":[1],"data_offsets":[0,8]}})", data8),
       "dtype U64"},
      {"missing field", file_of(R"({"a":{"dtype":"F32","shape":[2]}})", data8), "needs the fields"},
      {"unknown field",
       file_of(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":1}})", data8),
       "unknown field 'x'"},
      {"negative dim", file_of(R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", data8),
       "non-negative integers"},
      {"fractional dim",
       file_of(R"({"a":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}})", data8),
       "non-negative integers"},
      {"shape overflow",
       file_of(
           R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,8]}})",
           data8),
       "too many elements"},
      {"bytes disagree",
       file_of(R"({"a":{"dtype":"F64","shape":[2],"data_offsets":[0,8]}})", data8),
       "need 16 bytes but data_offsets [0, 8] hold 8"},
      {"offsets reversed",
       file_of(R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}})", data8),
       "end before they begin"},
      {"offsets past data",
       file_of(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", data8),
       "go past the end of the data"},
      {"huge offsets",
       file_of(
           R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[18446744073709551608,18446744073709551616]}})",
           data8),
       "data_offsets must be"},
      {"overlap",
       file_of(
           R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
           data8),
       "overlaps tensor 'a'"},
      {"hole", file_of(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", data8),
       "bytes [0, 4) of the data belong to no tensor"},
      {"trailing data", file_of(ok, std::vector<std::uint8_t>(12, 0)),
       "the data has 12 bytes but the tensors cover 8"},
      {"metadata not strings", file_of(R"({"__metadata__":{"k":1}})", {}), "must be a string"},
      {"truncated data", file_of(ok, std::vector<std::uint8_t>(4, 0)),
       "go past the end of the data (4 bytes)"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const std::string path = dir / (std::string(c.name) + ".safetensors");
    test::write_bytes(path, c.bytes);
    try {
      (void)io::load_file(path);
      FAIL("accepted");
    } catch (const FormatError& e) {
      INFO(e.what());
      CHECK(std::string(e.what()).rfind(path, 0) == 0);
      CHECK(test::mentions(e, c.message));
    }
  }
  // The minimal valid files.
  CHECK(io::deserialize(file_of("{}", {})).tensors.empty());
  CHECK(io::deserialize(file_of("{}      ", {})).tensors.empty());  // padding spaces
  CHECK(io::deserialize(file_of(ok, data8)).get("a").to_vector() == std::vector<float>{0, 0});
}

TEST_CASE("save_file replaces the file atomically and leaves no temporary behind") {
  test::TempDir dir;
  const auto path = dir / "w.safetensors";
  const std::map<std::string, Tensor> v1{{"x", ones({3})}}, v2{{"x", full<float>({3}, 2.f)}};
  io::save_file(v1, path);
  io::save_file(v2, path);
  CHECK(io::load_file(path).get("x").to_vector() == std::vector<float>{2, 2, 2});
  std::size_t files = 0;
  for (auto& e : std::filesystem::directory_iterator(dir.path())) files += e.is_regular_file();
  CHECK(files == 1);
  // A failed write (a directory in the way) leaves no temporary file either.
  std::filesystem::create_directories(dir / "sub.safetensors");
  CHECK_THROWS_AS(io::save_file(v1, dir / "sub.safetensors"), FormatError);
  CHECK_THROWS_AS(io::save_file(v1, dir / "missing/w.safetensors"), FormatError);
  files = 0;
  for (auto& e : std::filesystem::directory_iterator(dir.path())) files += e.is_regular_file();
  CHECK(files == 1);
}

}  // namespace TORCHLET_TEST_FILE
