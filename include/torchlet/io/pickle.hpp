#pragma once
// A restricted pickle machine: it reads the subset of Python's pickle format (protocols 2
// to 5) that torch.save emits for state_dicts and checkpoints, and writes protocol 2.
//
// Safety by construction - nothing is ever executed or imported:
//   - only these opcodes run: PROTO FRAME STOP MARK NONE NEWTRUE NEWFALSE BININT BININT1
//     BININT2 LONG1 BINFLOAT BINUNICODE SHORT_BINUNICODE BINUNICODE8 BINBYTES
//     SHORT_BINBYTES EMPTY_TUPLE TUPLE TUPLE1 TUPLE2 TUPLE3 EMPTY_LIST APPEND APPENDS
//     EMPTY_DICT SETITEM SETITEMS BINPUT LONG_BINPUT MEMOIZE BINGET LONG_BINGET GLOBAL
//     STACK_GLOBAL REDUCE BUILD BINPERSID; any other is refused;
//   - GLOBAL names only resolve through PickleHooks::allow_global (a whitelist); REDUCE
//     and BINPERSID only through the hooks, which build values, never call Python;
//   - every length is checked against the bytes left, every memo index and stack access
//     is checked, containers nest at most kMaxPickleDepth deep, and a container that is
//     already inside another can no longer change (so no cycle can be built).
// Errors are FormatError "<path>: pickle: <what>, at offset <n>" naming the opcode or global.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "torchlet/io/pt_value.hpp"

namespace torchlet::io {

/// Deepest nesting of containers the pickle reader accepts.
inline constexpr int kMaxPickleDepth = 64;

namespace detail {

/// A value on the pickle machine's stack.
struct PObj {
  /// What it is. Global: a whitelisted "module.name"; Ext: something a hook built.
  enum class Kind { None, Bool, Int, Float, Str, Bytes, List, Tuple, Dict, Tensor, Global, Ext };
  Kind kind = Kind::None;
  std::int64_t i = 0;                        // Bool, Int
  double f = 0;                              // Float
  std::string s;                             // Str, Bytes, Global
  std::vector<std::shared_ptr<PObj>> items;  // List, Tuple; Dict: k0, v0, k1, v1, ...
  bool ordered = false;                      // Dict: an OrderedDict
  AnyTensor tensor;                          // Tensor
  std::shared_ptr<const void> ext;           // Ext (e.g. a storage)
  bool frozen = false;                       // inside another container: may no longer change
  int depth = 0;                             // containers nested inside, this one included
};
using PRef = std::shared_ptr<PObj>;

inline PRef pobj(PObj::Kind k) {
  auto p = std::make_shared<PObj>();
  p->kind = k;
  return p;
}

}  // namespace detail

/// What the pickle reader asks of its user: which globals exist, what a persistent id
/// and a call of a global make. Each hook throws FormatError (its message completed with
/// the offset) to refuse.
struct PickleHooks {
  /// Whether GLOBAL module.name may be named at all.
  std::function<bool(const std::string& module, const std::string& name)> allow_global;
  /// The object of a BINPERSID record (its argument is the persistent id).
  std::function<detail::PRef(const detail::PObj& pid)> persistent_load;
  /// The result of REDUCE: calling the whitelisted global `fn` ("module.name") on the
  /// tuple `args`.
  std::function<detail::PRef(const std::string& fn, const detail::PObj& args)> call;
};

/// Runs the restricted pickle machine over `bytes`; returns the object STOP leaves.
/// `path` names the file in errors.
inline detail::PRef unpickle(std::span<const std::uint8_t> bytes, const std::string& path,
                             const PickleHooks& hooks) {
  using detail::PObj;
  using detail::PRef;
  using K = PObj::Kind;
  std::vector<PRef> stack;
  std::vector<std::size_t> marks;
  std::unordered_map<std::uint64_t, PRef> memo;
  std::size_t pos = 0, op_at = 0;
  unsigned char op = 0;
  auto fail = [&](const std::string& why) {
    char code[16];
    if (op >= 0x21 && op < 0x7f)
      std::snprintf(code, sizeof code, "0x%02x '%c'", op, op);
    else
      std::snprintf(code, sizeof code, "0x%02x", op);
    return FormatError(path + ": pickle: " + why + " (opcode " + code + " at offset " +
                       std::to_string(op_at) + ")");
  };
  auto take = [&](std::size_t n) {
    if (n > bytes.size() - pos)
      throw fail("expected " + std::to_string(n) + " more bytes, the stream has " +
                 std::to_string(bytes.size() - pos));
    const std::uint8_t* p = bytes.data() + pos;
    pos += n;
    return p;
  };
  auto uint = [&](int n) {
    const std::uint8_t* p = take(static_cast<std::size_t>(n));
    std::uint64_t v = 0;
    for (int k = n - 1; k >= 0; --k) v = (v << 8) | p[k];
    return v;
  };
  auto pop = [&]() {
    if (stack.empty() || (!marks.empty() && stack.size() <= marks.back()))
      throw fail("the stack is empty");
    PRef r = std::move(stack.back());
    stack.pop_back();
    return r;
  };
  auto pop_mark = [&]() {
    if (marks.empty()) throw fail("no MARK on the stack");
    std::vector<PRef> items(std::make_move_iterator(stack.begin() + marks.back()),
                            std::make_move_iterator(stack.end()));
    stack.resize(marks.back());
    marks.pop_back();
    return items;
  };
  auto top = [&]() -> PObj& {
    if (stack.empty() || (!marks.empty() && stack.size() <= marks.back()))
      throw fail("the stack is empty");
    return *stack.back();
  };
  // `child` goes inside `parent`: it is frozen, and the nesting depth is checked.
  auto adopt = [&](PObj& parent, const PRef& child) {
    if (child.get() == &parent) throw fail("a container cannot contain itself");
    child->frozen = true;
    if (child->depth + 1 > kMaxPickleDepth)
      throw fail("containers nest deeper than " + std::to_string(kMaxPickleDepth));
    parent.depth = std::max(parent.depth, child->depth + 1);
  };
  auto mutable_container = [&](K want, const char* what) -> PObj& {
    PObj& c = top();
    if (c.kind != want) throw fail(std::string("expected a ") + what + " to add to");
    if (c.frozen) throw fail(std::string("this ") + what + " is already inside another object");
    return c;
  };
  auto make_tuple = [&](std::vector<PRef> items) {
    PRef t = detail::pobj(K::Tuple);
    t->depth = 1;
    for (auto& it : items) adopt(*t, it);
    t->items = std::move(items);
    stack.push_back(std::move(t));
  };
  auto push_str = [&](K kind, std::size_t n) {
    const std::uint8_t* p = take(n);
    PRef s = detail::pobj(kind);
    s->s.assign(reinterpret_cast<const char*>(p), n);
    stack.push_back(std::move(s));
  };
  auto push_int = [&](std::int64_t v) {
    PRef r = detail::pobj(K::Int);
    r->i = v;
    stack.push_back(std::move(r));
  };
  auto line = [&]() {
    const std::size_t start = pos;
    while (pos < bytes.size() && bytes[pos] != '\n') ++pos;
    if (pos == bytes.size()) throw fail("unterminated GLOBAL name");
    return std::string(reinterpret_cast<const char*>(bytes.data() + start), pos++ - start);
  };
  auto global = [&](const std::string& module, const std::string& name) {
    if (!hooks.allow_global(module, name))
      throw fail("forbidden global '" + module + "." + name + "'");
    PRef g = detail::pobj(K::Global);
    g->s = module + "." + name;
    stack.push_back(std::move(g));
  };
  auto hook = [&](auto&& f) {
    try {
      return f();
    } catch (const FormatError& e) {
      throw fail(e.what());
    }
  };

  while (true) {
    op_at = pos;
    op = *take(1);
    switch (op) {
      case 0x80:  // PROTO
        if (*take(1) > 5) throw fail("unsupported pickle protocol");
        break;
      case 0x95:  // FRAME: a length prefix, ignored
        take(8);
        break;
      case '.': {  // STOP
        PRef r = pop();
        if (!marks.empty()) throw fail("MARK left open at STOP");
        return r;
      }
      case '(':
        marks.push_back(stack.size());
        break;
      case 'N':
        stack.push_back(detail::pobj(K::None));
        break;
      case 0x88:
      case 0x89: {
        PRef b = detail::pobj(K::Bool);
        b->i = op == 0x88;
        stack.push_back(std::move(b));
        break;
      }
      case 'J':
        push_int(static_cast<std::int32_t>(static_cast<std::uint32_t>(uint(4))));
        break;
      case 'K':
        push_int(static_cast<std::int64_t>(uint(1)));
        break;
      case 'M':
        push_int(static_cast<std::int64_t>(uint(2)));
        break;
      case 0x8a: {  // LONG1: little-endian two's complement
        const std::size_t n = *take(1);
        if (n > 8) throw fail("integer of " + std::to_string(n) + " bytes does not fit 64 bits");
        const std::uint8_t* p = take(n);
        std::uint64_t v = 0;
        for (std::size_t k = n; k-- > 0;) v = (v << 8) | p[k];
        if (n > 0 && n < 8 && (p[n - 1] & 0x80)) v |= ~std::uint64_t{0} << (8 * n);
        push_int(static_cast<std::int64_t>(v));
        break;
      }
      case 'G': {  // BINFLOAT: big-endian double
        const std::uint8_t* p = take(8);
        std::uint64_t bits = 0;
        for (int k = 0; k < 8; ++k) bits = (bits << 8) | p[k];
        PRef f = detail::pobj(K::Float);
        std::memcpy(&f->f, &bits, 8);
        stack.push_back(std::move(f));
        break;
      }
      case 'X':
        push_str(K::Str, static_cast<std::size_t>(uint(4)));
        break;
      case 0x8c:
        push_str(K::Str, static_cast<std::size_t>(uint(1)));
        break;
      case 0x8d: {
        const std::uint64_t n = uint(8);
        if (n > bytes.size()) throw fail("string longer than the stream");
        push_str(K::Str, static_cast<std::size_t>(n));
        break;
      }
      case 'B':
        push_str(K::Bytes, static_cast<std::size_t>(uint(4)));
        break;
      case 'C':
        push_str(K::Bytes, static_cast<std::size_t>(uint(1)));
        break;
      case ')':
        make_tuple({});
        break;
      case 't':
        make_tuple(pop_mark());
        break;
      case 0x85:
      case 0x86:
      case 0x87: {
        std::vector<PRef> items(static_cast<std::size_t>(op - 0x84));
        for (std::size_t k = items.size(); k-- > 0;) items[k] = pop();
        make_tuple(std::move(items));
        break;
      }
      case ']':
      case '}': {
        PRef c = detail::pobj(op == ']' ? K::List : K::Dict);
        c->depth = 1;
        stack.push_back(std::move(c));
        break;
      }
      case 'a':
      case 'e':
      case 's':
      case 'u': {
        const bool list = op == 'a' || op == 'e';
        std::vector<PRef> items;
        if (op == 'e' || op == 'u') {
          items = pop_mark();
        } else {
          items.resize(list ? 1 : 2);
          for (std::size_t k = items.size(); k-- > 0;) items[k] = pop();
        }
        if (!list && items.size() % 2) throw fail("SETITEMS with an odd number of items");
        PObj& c = mutable_container(list ? K::List : K::Dict, list ? "list" : "dict");
        for (auto& it : items) adopt(c, it);
        c.items.insert(c.items.end(), std::make_move_iterator(items.begin()),
                       std::make_move_iterator(items.end()));
        break;
      }
      case 'q':
      case 'r':
      case 0x94: {
        const std::uint64_t k = op == 'q' ? uint(1) : op == 'r' ? uint(4) : memo.size();
        memo[k] = stack.empty() ? throw fail("nothing to memoize") : stack.back();
        break;
      }
      case 'h':
      case 'j': {
        const std::uint64_t k = op == 'h' ? uint(1) : uint(4);
        const auto it = memo.find(k);
        if (it == memo.end()) throw fail("memo key " + std::to_string(k) + " was never stored");
        stack.push_back(it->second);
        break;
      }
      case 'c': {
        const std::string module = line();
        global(module, line());
        break;
      }
      case 0x93: {  // STACK_GLOBAL
        PRef name = pop(), module = pop();
        if (module->kind != K::Str || name->kind != K::Str)
          throw fail("STACK_GLOBAL needs two strings");
        global(module->s, name->s);
        break;
      }
      case 'R': {
        PRef args = pop(), fn = pop();
        if (fn->kind != K::Global) throw fail("REDUCE of something that is not a global");
        if (args->kind != K::Tuple) throw fail("REDUCE arguments are not a tuple");
        PRef r = hook([&] { return hooks.call(fn->s, *args); });
        for (auto& it : args->items) it->frozen = true;
        stack.push_back(std::move(r));
        break;
      }
      case 'b': {  // BUILD: the only objects built are OrderedDicts (state_dict._metadata)
        PRef state = pop();
        PObj& obj = top();
        if (obj.kind != K::Dict || !obj.ordered)
          throw fail("BUILD of something other than an OrderedDict");
        state->frozen = true;
        break;
      }
      case 'Q': {
        PRef pid = pop();
        PRef r = hook([&] { return hooks.persistent_load(*pid); });
        pid->frozen = true;
        stack.push_back(std::move(r));
        break;
      }
      default:
        throw fail("unsupported opcode (torch.save never emits it)");
    }
  }
}

/// Emits protocol-2 pickle opcodes (what torch.save writes).
class PickleWriter {
 public:
  /// Starts the stream (PROTO 2).
  PickleWriter() { out_ = {0x80, 2}; }
  /// None.
  void none() { out_.push_back('N'); }
  /// NEWTRUE / NEWFALSE.
  void boolean(bool b) { out_.push_back(b ? 0x88 : 0x89); }
  /// BININT1 / BININT2 / BININT / LONG1, the shortest that fits.
  void integer(std::int64_t v) {
    if (v >= 0 && v < 256) {
      op('K', static_cast<std::uint64_t>(v), 1);
    } else if (v >= 0 && v < 65536) {
      op('M', static_cast<std::uint64_t>(v), 2);
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
      op('J', static_cast<std::uint32_t>(static_cast<std::int32_t>(v)), 4);
    } else {
      out_.push_back(0x8a);
      out_.push_back(8);
      put(static_cast<std::uint64_t>(v), 8);
    }
  }
  /// BINFLOAT.
  void real(double d) {
    std::uint64_t bits;
    std::memcpy(&bits, &d, 8);
    out_.push_back('G');
    for (int k = 7; k >= 0; --k) out_.push_back(static_cast<std::uint8_t>(bits >> (8 * k)));
  }
  /// BINUNICODE.
  void str(const std::string& s) {
    op('X', s.size(), 4);
    out_.insert(out_.end(), s.begin(), s.end());
  }
  /// GLOBAL: the module and the name, each ended by a newline.
  void global(const std::string& module, const std::string& name) {
    out_.push_back('c');
    for (const auto* p : {&module, &name}) {
      out_.insert(out_.end(), p->begin(), p->end());
      out_.push_back('\n');
    }
  }
  /// A raw opcode without argument: MARK '(', TUPLE 't', EMPTY_TUPLE ')', REDUCE 'R',
  /// EMPTY_DICT '}', SETITEMS 'u', EMPTY_LIST ']', APPENDS 'e', BINPERSID 'Q', STOP '.'.
  void code(char c) { out_.push_back(static_cast<std::uint8_t>(c)); }
  /// The stream so far (call code('.') first to finish it).
  std::vector<std::uint8_t>& bytes() noexcept { return out_; }

 private:
  void op(char c, std::uint64_t v, int n) {
    out_.push_back(static_cast<std::uint8_t>(c));
    put(v, n);
  }
  void put(std::uint64_t v, int n) {
    for (int k = 0; k < n; ++k) out_.push_back(static_cast<std::uint8_t>(v >> (8 * k)));
  }
  std::vector<std::uint8_t> out_;
};

}  // namespace torchlet::io
