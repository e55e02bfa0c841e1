#pragma once
// Distance modules (torch.nn's CosineSimilarity, PairwiseDistance): two inputs, called as
// `nn::CosineSimilarity cos{{.dim = 1}}; auto s = cos(x1, x2);`, over
// nn::functional::cosine_similarity and pairwise_distance.
#include "torchlet/nn/functional/distance.hpp"
#include "torchlet/nn/module.hpp"

namespace torchlet::nn {

/// nn.CosineSimilarity(dim=1, eps=1e-8): x1, x2 broadcastable, [N, D] -> [N] with dim 1.
template <class = void>
class CosineSimilarityImpl : public ModuleFor<Tensor(const Tensor&, const Tensor&)> {
 public:
  /// dim, eps.
  CosineSimilarityOptions options;
  /// nn.CosineSimilarity(dim, eps): `nn::CosineSimilarity{{.dim = 0}}`.
  CosineSimilarityImpl(CosineSimilarityOptions options = {}) : options(options) {}
  /// x1, x2 broadcastable -> their broadcast shape without `dim`.
  Tensor forward(const Tensor& x1, const Tensor& x2) override {
    return functional::cosine_similarity(x1, x2, options);
  }
};
/// CosineSimilarity: see CosineSimilarityImpl.
using CosineSimilarity = CosineSimilarityImpl<>;

/// nn.PairwiseDistance(p=2.0, eps=1e-6, keepdim=False): x1, x2 broadcastable, [N, D] -> [N].
template <class = void>
class PairwiseDistanceImpl : public ModuleFor<Tensor(const Tensor&, const Tensor&)> {
 public:
  /// p, eps, keepdim.
  PairwiseDistanceOptions options;
  /// nn.PairwiseDistance(p, eps, keepdim): `nn::PairwiseDistance{{.p = 1}}`.
  PairwiseDistanceImpl(PairwiseDistanceOptions options = {}) : options(options) {}
  /// x1, x2 broadcastable [..., D] -> [...] (or [..., 1] with keepdim).
  Tensor forward(const Tensor& x1, const Tensor& x2) override {
    return functional::pairwise_distance(x1, x2, options);
  }
};
/// PairwiseDistance: see PairwiseDistanceImpl.
using PairwiseDistance = PairwiseDistanceImpl<>;

}  // namespace torchlet::nn
