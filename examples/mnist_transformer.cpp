// A small Vision Transformer (ViT) on MNIST: each 28x28 digit is cut into 16 patches of 7x7
// pixels, each patch embedded by a Linear layer, a learned class token and learned position
// embeddings added, a TransformerEncoder over the 17 tokens, and a LayerNorm + Linear head on
// the class token. Written as the PyTorch version would be.
//
//   build/examples/mnist_transformer [--data DIR] [--epochs 10] [--batch-size 64] [--lr 1e-3]
//                                    [--d-model 64] [--heads 4] [--layers 2] [--seed 0]
//
// DIR defaults to the bundled sample (data/mnist: 8,000 training and 2,000 test digits).
// Prints the model, one line per epoch; the last line is "test accuracy: 0.XXXX".
#include <chrono>
#include <cstdio>
#include <iostream>

#include <torchlet/torchlet.hpp>

#include "common/cli.hpp"
#include "common/evaluate.hpp"
#include "common/main.hpp"
#include "common/predictions.hpp"

using namespace torchlet;

// images [N, 1, 28, 28] -> logits [N, 10].
struct VisionTransformer : nn::Module {
  static constexpr std::int64_t kPatch = 7, kGrid = 28 / kPatch, kTokens = kGrid * kGrid + 1;
  std::int64_t d_model;
  nn::Linear patch_embed;  // a 7x7 patch (49 pixels) -> d_model
  Tensor cls_token;        // [1, 1, d_model]
  Tensor pos_embed;        // [1, 17, d_model]
  nn::TransformerEncoder encoder;
  nn::LayerNorm norm;
  nn::Linear head;

  VisionTransformer(std::int64_t d_model, std::int64_t heads, std::int64_t layers)
      : d_model(d_model),
        patch_embed(kPatch * kPatch, d_model),
        cls_token(zeros({1, 1, d_model})),
        pos_embed(zeros({1, kTokens, d_model})),
        encoder(nn::TransformerEncoderLayer(d_model, heads,
                                            {.dim_feedforward = 2 * d_model,
                                             .dropout = 0.1,
                                             .activation = "gelu",
                                             .batch_first = true,
                                             .norm_first = true}),
                layers),
        norm(d_model),
        head(d_model, 10) {
    nn::init::normal_(cls_token, 0.0, 0.02);
    nn::init::normal_(pos_embed, 0.0, 0.02);
    register_module("patch_embed", patch_embed);
    register_parameter("cls_token", cls_token);
    register_parameter("pos_embed", pos_embed);
    register_module("encoder", encoder);
    register_module("norm", norm);
    register_module("head", head);
  }

  Tensor forward(const Tensor& images) override {
    const auto n = images.size(0);
    // [N, 1, 28, 28] -> [N, 4, 7, 4, 7] -> [N, 4, 4, 7, 7] -> [N, 16, 49]
    Tensor patches = images.reshape({n, kGrid, kPatch, kGrid, kPatch})
                         .permute({0, 1, 3, 2, 4})
                         .reshape({n, kGrid * kGrid, kPatch * kPatch});
    Tensor tokens = patch_embed(patches);                 // [N, 16, d]
    Tensor cls = cls_token * ones({n, 1, 1});             // [N, 1, d]
    Tensor x = cat<float>({cls, tokens}, 1) + pos_embed;  // [N, 17, d]
    x = encoder(x);                                       // [N, 17, d]
    return head(norm(x.select(1, 0)));                    // class token -> [N, 10]
  }
};

int run(int argc, char** argv) {
  examples::Args args("mnist_transformer",
                      "Trains a small Vision Transformer (7x7 patches) on MNIST-format IDX data.");
  args.add("data", TORCHLET_SOURCE_DIR "/data/mnist",
           "directory holding the MNIST IDX files (raw or .gz)")
      .add("epochs", "10", "number of passes over the training set")
      .add("batch-size", "64", "samples per batch")
      .add("lr", "2e-3", "peak learning rate of AdamW (cosine schedule)")
      .add("d-model", "64", "width of the tokens")
      .add("heads", "4", "attention heads")
      .add("layers", "2", "encoder layers")
      .add("seed", "0", "seed of the initial weights and the shuffling")
      .add("predictions", "", "picture of 32 test digits with predicted and true labels");
  if (!args.parse(argc, argv)) return 0;
  const auto epochs = args.integer("epochs", 0, 100000);
  const auto batch_size = static_cast<std::size_t>(args.integer("batch-size", 1, 1 << 20));
  const double lr = args.real("lr", 0.0, 1e6);
  const auto d_model = args.integer("d-model", 1, 4096);
  const auto heads = args.integer("heads", 1, 256);
  const auto layers = args.integer("layers", 0, 64);
  if (d_model % heads != 0)
    throw examples::UsageError("--d-model must be divisible by --heads, got " +
                               std::to_string(d_model) + " and " + std::to_string(heads));
  const auto seed = static_cast<std::uint64_t>(args.integer("seed", 0, INT64_MAX));
  const std::string root = args.str("data");

  manual_seed(seed);
  auto tf = vision::transforms::Compose{vision::transforms::ToTensor{},
                                        vision::transforms::Normalize{{0.1307f}, {0.3081f}}};
  vision::MNIST train(root, {.train = true, .transform = tf});
  vision::MNIST test(root, {.train = false, .transform = tf});
  data::DataLoader loader(train, {.batch_size = batch_size, .shuffle = true, .seed = seed});
  data::DataLoader test_loader(test, {.batch_size = 500});
  std::printf("train: %zu samples, test: %zu samples, from %s\n", train.size(), test.size(),
              root.c_str());

  VisionTransformer model(d_model, heads, layers);
  std::cout << model << "\n" << model.num_parameters() << " parameters\n";
  optim::AdamW opt(model.parameters(), {.lr = lr, .weight_decay = 0.05});
  optim::CosineAnnealingLR schedule(opt, std::max<std::int64_t>(epochs, 1));
  nn::CrossEntropyLoss criterion;

  double test_acc = 0.0;
  const auto run_start = std::chrono::steady_clock::now();
  for (std::int64_t epoch = 1; epoch <= epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    double loss_sum = 0.0;
    std::int64_t correct = 0, seen = 0, steps = 0;
    auto bar = utils::progress(loader, "epoch " + std::to_string(epoch));
    for (auto [images, labels] : bar) {
      opt.zero_grad();
      auto logits = model(images);
      auto loss = criterion(logits, labels);
      loss.backward();
      opt.step();
      loss_sum += loss.item();
      ++steps;
      correct += (logits.detach().argmax(1) == labels).sum().item();
      seen += labels.numel();
      bar.set_postfix("loss=" + std::to_string(loss_sum / static_cast<double>(steps)).substr(0, 6));
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double lr_used = schedule.get_last_lr()[0];
    schedule.step();
    test_acc = examples::evaluate(model, test_loader);
    std::printf("epoch %lld/%lld  lr %.4g  loss %.4f  train acc %.4f  test acc %.4f  %.2f s\n",
                static_cast<long long>(epoch), static_cast<long long>(epochs), lr_used,
                loss_sum / static_cast<double>(steps),
                static_cast<double>(correct) / static_cast<double>(seen), test_acc, secs);
    std::fflush(stdout);
  }
  if (epochs == 0) test_acc = examples::evaluate(model, test_loader);
  std::printf("training took %.1f s\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - run_start).count());
  if (const std::string path = args.str("predictions"); !path.empty()) {
    const auto [shown, right] = examples::save_predictions(model, test, path, 0.1307f, 0.3081f);
    std::printf("wrote %s: %lld test digits, %lld right\n", path.c_str(),
                static_cast<long long>(shown), static_cast<long long>(right));
  }
  std::printf("test accuracy: %.4f\n", test_acc);
  return 0;
}

int main(int argc, char** argv) {
  return examples::run_main("mnist_transformer", "Pass the directory with --data DIR.", run, argc,
                            argv);
}
