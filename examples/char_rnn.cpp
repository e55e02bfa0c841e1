// A character-level language model: an Embedding, a 2-layer LSTM and a Linear read a text one
// byte at a time and learn to predict the next byte; at the end it writes new text, drawing
// each byte with multinomial() from the softmax of the logits divided by a temperature.
//
//   build/examples/char_rnn [--data FILE] [--steps 500] [--batch-size 32] [--seq-len 64]
//                           [--hidden 256] [--layers 2] [--lr 2e-3] [--temperature 0.8]
//                           [--sample 400] [--prime "This "] [--seed 0]
//
// FILE defaults to /usr/share/common-licenses/GPL-3: the GNU GPL's text (35 KB of English),
// which Debian's base-files package puts on every Debian system; its licence allows verbatim
// copies and the program only reads it (data/README.md). The last 10% of the text is held out:
// the last line is "validation loss: X" (cross-entropy per character, nats).
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <torchlet/torchlet.hpp>

#include "common/cli.hpp"
#include "common/main.hpp"

using namespace torchlet;
namespace F = nn::functional;

// Byte <-> class index over the bytes the text uses.
struct Vocabulary {
  std::vector<unsigned char> chars;
  std::array<std::int64_t, 256> index{};

  explicit Vocabulary(const std::string& text) {
    std::array<bool, 256> seen{};
    for (unsigned char c : text) seen[c] = true;
    index.fill(-1);
    for (int c = 0; c < 256; ++c)
      if (seen[static_cast<std::size_t>(c)]) {
        index[static_cast<std::size_t>(c)] = static_cast<std::int64_t>(chars.size());
        chars.push_back(static_cast<unsigned char>(c));
      }
  }
  std::int64_t size() const { return static_cast<std::int64_t>(chars.size()); }
};

// logits, (h, c) = model(x, state): x [B, L] byte classes -> logits [B, L, V].
struct CharLSTM
    : nn::ModuleFor<std::tuple<Tensor, nn::LSTMState>(const LongTensor&, const nn::LSTMState&)> {
  nn::Embedding embed;
  nn::LSTM lstm;
  nn::Linear head;

  CharLSTM(std::int64_t vocab, std::int64_t hidden, std::int64_t layers)
      : embed(vocab, 64),
        lstm(64, hidden, {.num_layers = layers, .batch_first = true, .dropout = 0.1}),
        head(hidden, vocab) {
    register_module("embed", embed);
    register_module("lstm", lstm);
    register_module("head", head);
  }

  std::tuple<Tensor, nn::LSTMState> forward(const LongTensor& x,
                                            const nn::LSTMState& state) override {
    auto [out, next] = std::get<0>(state).defined() ? lstm(embed(x), state) : lstm(embed(x));
    return {head(out), next};
  }
};

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open the text '" + path + "' (pass --data FILE)");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.size() < 1000)
    throw std::runtime_error("the text '" + path + "' has " + std::to_string(text.size()) +
                             " bytes; expected at least 1000");
  return text;
}

// A batch of `batch` windows of `len` + 1 bytes from `ids` at the given offsets: inputs are the
// first `len` bytes of each window, targets the last `len`.
std::pair<LongTensor, LongTensor> windows(const std::vector<std::int64_t>& ids,
                                          const std::vector<std::int64_t>& starts,
                                          std::int64_t len) {
  const auto b = static_cast<std::int64_t>(starts.size());
  auto x = LongTensor::empty({b, len}), y = LongTensor::empty({b, len});
  for (std::int64_t i = 0; i < b; ++i)
    for (std::int64_t t = 0; t < len; ++t) {
      x.data()[i * len + t] =
          ids[static_cast<std::size_t>(starts[static_cast<std::size_t>(i)] + t)];
      y.data()[i * len + t] =
          ids[static_cast<std::size_t>(starts[static_cast<std::size_t>(i)] + t + 1)];
    }
  return {x, y};
}

// Cross-entropy per character over the held-out tail ids[split:], read in consecutive windows
// with the state carried across them.
double validation_loss(CharLSTM& model, const std::vector<std::int64_t>& ids, std::int64_t split,
                       std::int64_t len) {
  const bool was_training = model.is_training();
  model.eval();
  NoGradGuard no_grad;
  nn::CrossEntropyLoss criterion;
  double total = 0.0;
  std::int64_t counted = 0;
  nn::LSTMState state;
  for (std::int64_t o = split; o + len + 1 <= static_cast<std::int64_t>(ids.size()); o += len) {
    auto [x, y] = windows(ids, {o}, len);
    auto [logits, next] = model(x, state);
    state = next;
    total += criterion(logits.reshape({-1, logits.size(-1)}), y.reshape({-1})).item() *
             static_cast<double>(len);
    counted += len;
  }
  model.train(was_training);
  return total / static_cast<double>(counted);
}

int run(int argc, char** argv) {
  examples::Args args("char_rnn", "Trains a character-level LSTM language model and samples text.");
  args.add("data", "/usr/share/common-licenses/GPL-3", "the text to learn (any file of bytes)")
      .add("steps", "500",
           "training steps (one batch of random windows each; on the 35 KB default text the "
           "validation loss is lowest near 500, then the model memorises)")
      .add("batch-size", "32", "windows per batch")
      .add("seq-len", "64", "bytes per window (truncated backpropagation through time)")
      .add("hidden", "256", "LSTM hidden size")
      .add("layers", "2", "stacked LSTM layers")
      .add("lr", "2e-3", "Adam's learning rate")
      .add("temperature", "0.8", "sampling temperature (lower: more conservative)")
      .add("sample", "400", "bytes of text to generate at the end")
      .add("prime", "This ", "text the generation starts from")
      .add("seed", "0", "seed of the weights, the batches and the sampling");
  if (!args.parse(argc, argv)) return 0;
  const auto steps = args.integer("steps", 0, 10000000);
  const auto batch = args.integer("batch-size", 1, 1 << 16);
  const auto len = args.integer("seq-len", 1, 1 << 16);
  const auto hidden = args.integer("hidden", 1, 1 << 16);
  const auto layers = args.integer("layers", 1, 64);
  const double lr = args.real("lr", 0.0, 1e6);
  const double temperature = args.real("temperature", 1e-3, 1e3);
  const auto sample_len = args.integer("sample", 0, 1 << 24);
  const std::string prime = args.str("prime");
  const auto seed = static_cast<std::uint64_t>(args.integer("seed", 0, INT64_MAX));

  const std::string text = read_text(args.str("data"));
  const Vocabulary vocab(text);
  for (unsigned char c : prime)
    if (vocab.index[c] < 0)
      throw examples::UsageError("--prime uses a byte the text does not have");
  std::vector<std::int64_t> ids;
  ids.reserve(text.size());
  for (unsigned char c : text) ids.push_back(vocab.index[c]);
  const auto split = static_cast<std::int64_t>(ids.size() * 9 / 10);
  if (split <= len + 1 || static_cast<std::int64_t>(ids.size()) - split <= len + 1)
    throw examples::UsageError("--seq-len " + std::to_string(len) + " is too long for a text of " +
                               std::to_string(ids.size()) + " bytes");
  std::printf(
      "text: %zu bytes, %lld distinct; training on the first %lld, validating on the rest\n",
      text.size(), static_cast<long long>(vocab.size()), static_cast<long long>(split));

  manual_seed(seed);
  Generator gen(seed + 1);
  CharLSTM model(vocab.size(), hidden, layers);
  std::printf("%lld parameters\n", static_cast<long long>(model.num_parameters()));
  optim::Adam opt(model.parameters(), {.lr = lr});
  nn::CrossEntropyLoss criterion;
  const nn::LSTMState no_state;

  const auto start = std::chrono::steady_clock::now();
  double running = 0.0;
  for (std::int64_t step = 1; step <= steps; ++step) {
    std::vector<std::int64_t> starts(static_cast<std::size_t>(batch));
    for (auto& s : starts)
      s = static_cast<std::int64_t>(gen.randint(static_cast<std::uint64_t>(split - len - 1)));
    auto [x, y] = windows(ids, starts, len);
    opt.zero_grad();
    auto [logits, state] = model(x, no_state);
    auto loss = criterion(logits.reshape({-1, vocab.size()}), y.reshape({-1}));
    loss.backward();
    nn::utils::clip_grad_norm_(model.parameters(), 5.0);
    opt.step();
    running = step == 1 ? loss.item() : 0.95 * running + 0.05 * loss.item();
    if (step % 100 == 0 || step == steps) {
      const double secs =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::printf("step %lld/%lld  loss %.3f  validation loss %.3f  %.1f s\n",
                  static_cast<long long>(step), static_cast<long long>(steps), running,
                  validation_loss(model, ids, split, len), secs);
      std::fflush(stdout);
    }
  }

  model.eval();
  NoGradGuard no_grad;
  const double val_loss = validation_loss(model, ids, split, len);
  nn::LSTMState state;

  // Generation: read the prime, then draw each next byte from softmax(logits / temperature).
  std::string out = prime;
  std::vector<std::int64_t> prime_ids;
  for (unsigned char c : prime) prime_ids.push_back(vocab.index[c]);
  auto [logits, next] =
      model(from_vector(prime_ids, {1, static_cast<std::int64_t>(prime.size())}), state);
  state = next;
  Tensor last = logits.select(1, logits.size(1) - 1);  // [1, V]
  for (std::int64_t i = 0; i < sample_len; ++i) {
    const auto probs = F::softmax(last / static_cast<float>(temperature), 1);
    const auto c = multinomial(probs, 1, false, gen);  // [1, 1]
    out.push_back(static_cast<char>(vocab.chars[static_cast<std::size_t>(c.data()[0])]));
    auto [l, s] = model(c, state);
    state = s;
    last = l.select(1, 0);
  }
  std::printf("--- sample (temperature %.2f) ---\n%s\n---\n", temperature, out.c_str());
  std::printf("validation loss: %.4f\n", val_loss);
  return 0;
}

int main(int argc, char** argv) {
  return examples::run_main("char_rnn", "Pass a text file with --data FILE.", run, argc, argv);
}
