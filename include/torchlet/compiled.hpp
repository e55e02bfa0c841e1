#pragma once
// torchlet::compiled, the optional compiled mode (issue 17): the class template
// specializations that the static library torchlet::compiled instantiates once (src/compiled/),
// declared `extern` when a program links it (the target defines TORCHLET_COMPILED_LIB), so that
// a translation unit including torchlet/torchlet.hpp neither instantiates nor compiles their
// members. Without TORCHLET_COMPILED_LIB this header declares nothing and torchlet is
// header-only. Included by torchlet/torchlet.hpp (a unit including only some headers
// instantiates what it uses, as in header-only mode: correct, only slower to compile).
#include <cstdint>

#include "torchlet/nn.hpp"
#include "torchlet/optim.hpp"
#include "torchlet/tensor.hpp"

// Each list applies X to every specialization, once for the `extern` declarations below and
// once for the explicit instantiations in src/compiled/ (one list per source file there).

/// The tensor types.
#define TORCHLET_COMPILED_TENSOR(X) \
  X(::torchlet::BasicTensor<float>) \
  X(::torchlet::BasicTensor<double>)

/// The module bases, activations, convolutions, dropouts, embeddings and linear layers.
#define TORCHLET_COMPILED_NN_LAYERS(X)                                                            \
  X(::torchlet::nn::ModuleFor<::torchlet::Tensor(const ::torchlet::Tensor&)>)                     \
  X(::torchlet::nn::detail::ForwardSlot<::torchlet::nn::Module,                                   \
                                        ::torchlet::Tensor(const ::torchlet::Tensor&)>)           \
  X(::torchlet::nn::ModuleFor<::torchlet::Tensor(const ::torchlet::Tensor&,                       \
                                                 const ::torchlet::Tensor&)>)                     \
  X(::torchlet::nn::detail::ConvNd<std::int64_t, ::torchlet::nn::Conv1dOptions, 1>)               \
  X(::torchlet::nn::detail::ConvNd<::torchlet::nn::IntPair, ::torchlet::nn::Conv2dOptions, 2>)    \
  X(::torchlet::nn::detail::ConvNd<::torchlet::nn::IntTriple, ::torchlet::nn::Conv3dOptions, 3>)  \
  X(::torchlet::nn::detail::ConvTransposeNd<std::int64_t, ::torchlet::nn::ConvTranspose1dOptions, \
                                            1>)                                                   \
  X(::torchlet::nn::detail::ConvTransposeNd<::torchlet::nn::IntPair,                              \
                                            ::torchlet::nn::ConvTranspose2dOptions, 2>)           \
  X(::torchlet::nn::detail::ConvTransposeNd<::torchlet::nn::IntTriple,                            \
                                            ::torchlet::nn::ConvTranspose3dOptions, 3>)           \
  X(::torchlet::nn::detail::PadNd<1>)                                                             \
  X(::torchlet::nn::detail::PadNd<2>)                                                             \
  X(::torchlet::nn::detail::PadNd<3>)                                                             \
  X(::torchlet::nn::ReLUImpl<>)                                                                   \
  X(::torchlet::nn::LeakyReLUImpl<>)                                                              \
  X(::torchlet::nn::GELUImpl<>)                                                                   \
  X(::torchlet::nn::SigmoidImpl<>)                                                                \
  X(::torchlet::nn::TanhImpl<>)                                                                   \
  X(::torchlet::nn::SoftmaxImpl<>)                                                                \
  X(::torchlet::nn::LogSoftmaxImpl<>)                                                             \
  X(::torchlet::nn::ELUImpl<>)                                                                    \
  X(::torchlet::nn::SELUImpl<>)                                                                   \
  X(::torchlet::nn::CELUImpl<>)                                                                   \
  X(::torchlet::nn::SiLUImpl<>)                                                                   \
  X(::torchlet::nn::MishImpl<>)                                                                   \
  X(::torchlet::nn::SoftsignImpl<>)                                                               \
  X(::torchlet::nn::TanhshrinkImpl<>)                                                             \
  X(::torchlet::nn::HardswishImpl<>)                                                              \
  X(::torchlet::nn::HardsigmoidImpl<>)                                                            \
  X(::torchlet::nn::LogSigmoidImpl<>)                                                             \
  X(::torchlet::nn::ReLU6Impl<>)                                                                  \
  X(::torchlet::nn::SoftplusImpl<>)                                                               \
  X(::torchlet::nn::SoftshrinkImpl<>)                                                             \
  X(::torchlet::nn::HardshrinkImpl<>)                                                             \
  X(::torchlet::nn::HardtanhImpl<>)                                                               \
  X(::torchlet::nn::ThresholdImpl<>)                                                              \
  X(::torchlet::nn::RReLUImpl<>)                                                                  \
  X(::torchlet::nn::PReLUImpl<>)                                                                  \
  X(::torchlet::nn::GLUImpl<>)                                                                    \
  X(::torchlet::nn::SoftminImpl<>)                                                                \
  X(::torchlet::nn::Softmax2dImpl<>)                                                              \
  X(::torchlet::nn::BatchNormBaseImpl<>)                                                          \
  X(::torchlet::nn::BatchNorm1dImpl<>)                                                            \
  X(::torchlet::nn::BatchNorm2dImpl<>)                                                            \
  X(::torchlet::nn::Conv1dImpl<>)                                                                 \
  X(::torchlet::nn::Conv2dImpl<>)                                                                 \
  X(::torchlet::nn::Conv3dImpl<>)                                                                 \
  X(::torchlet::nn::ConvTranspose1dImpl<>)                                                        \
  X(::torchlet::nn::ConvTranspose2dImpl<>)                                                        \
  X(::torchlet::nn::ConvTranspose3dImpl<>)                                                        \
  X(::torchlet::nn::CosineSimilarityImpl<>)                                                       \
  X(::torchlet::nn::PairwiseDistanceImpl<>)                                                       \
  X(::torchlet::nn::DropoutImpl<>)                                                                \
  X(::torchlet::nn::Dropout1dImpl<>)                                                              \
  X(::torchlet::nn::Dropout2dImpl<>)                                                              \
  X(::torchlet::nn::Dropout3dImpl<>)                                                              \
  X(::torchlet::nn::AlphaDropoutImpl<>)                                                           \
  X(::torchlet::nn::FeatureAlphaDropoutImpl<>)                                                    \
  X(::torchlet::nn::EmbeddingImpl<>)                                                              \
  X(::torchlet::nn::EmbeddingBagImpl<>)                                                           \
  X(::torchlet::nn::FlattenImpl<>)                                                                \
  X(::torchlet::nn::UnflattenImpl<>)                                                              \
  X(::torchlet::nn::UnfoldImpl<>)                                                                 \
  X(::torchlet::nn::FoldImpl<>)                                                                   \
  X(::torchlet::nn::IdentityImpl<>)                                                               \
  X(::torchlet::nn::LinearImpl<>)                                                                 \
  X(::torchlet::nn::BilinearImpl<>)

/// Losses, normalisations, padding, pooling and upsampling.
#define TORCHLET_COMPILED_NN_LOSSES_NORMS(X)             \
  X(::torchlet::nn::CrossEntropyLossImpl<>)              \
  X(::torchlet::nn::NLLLossImpl<>)                       \
  X(::torchlet::nn::MSELossImpl<>)                       \
  X(::torchlet::nn::L1LossImpl<>)                        \
  X(::torchlet::nn::BCELossImpl<>)                       \
  X(::torchlet::nn::BCEWithLogitsLossImpl<>)             \
  X(::torchlet::nn::HuberLossImpl<>)                     \
  X(::torchlet::nn::SmoothL1LossImpl<>)                  \
  X(::torchlet::nn::KLDivLossImpl<>)                     \
  X(::torchlet::nn::PoissonNLLLossImpl<>)                \
  X(::torchlet::nn::GaussianNLLLossImpl<>)               \
  X(::torchlet::nn::MarginRankingLossImpl<>)             \
  X(::torchlet::nn::HingeEmbeddingLossImpl<>)            \
  X(::torchlet::nn::SoftMarginLossImpl<>)                \
  X(::torchlet::nn::MultiLabelSoftMarginLossImpl<>)      \
  X(::torchlet::nn::CosineEmbeddingLossImpl<>)           \
  X(::torchlet::nn::MultiMarginLossImpl<>)               \
  X(::torchlet::nn::MultiLabelMarginLossImpl<>)          \
  X(::torchlet::nn::TripletMarginLossImpl<>)             \
  X(::torchlet::nn::TripletMarginWithDistanceLossImpl<>) \
  X(::torchlet::nn::CTCLossImpl<>)                       \
  X(::torchlet::nn::LayerNormImpl<>)                     \
  X(::torchlet::nn::BatchNorm3dImpl<>)                   \
  X(::torchlet::nn::InstanceNormBaseImpl<>)              \
  X(::torchlet::nn::InstanceNorm1dImpl<>)                \
  X(::torchlet::nn::InstanceNorm2dImpl<>)                \
  X(::torchlet::nn::GroupNormImpl<>)                     \
  X(::torchlet::nn::LocalResponseNormImpl<>)             \
  X(::torchlet::nn::RMSNormImpl<>)                       \
  X(::torchlet::nn::ConstantPad1dImpl<>)                 \
  X(::torchlet::nn::ConstantPad2dImpl<>)                 \
  X(::torchlet::nn::ConstantPad3dImpl<>)                 \
  X(::torchlet::nn::ZeroPad2dImpl<>)                     \
  X(::torchlet::nn::ReflectionPad1dImpl<>)               \
  X(::torchlet::nn::ReflectionPad2dImpl<>)               \
  X(::torchlet::nn::ReflectionPad3dImpl<>)               \
  X(::torchlet::nn::ReplicationPad1dImpl<>)              \
  X(::torchlet::nn::ReplicationPad2dImpl<>)              \
  X(::torchlet::nn::ReplicationPad3dImpl<>)              \
  X(::torchlet::nn::PixelShuffleImpl<>)                  \
  X(::torchlet::nn::PixelUnshuffleImpl<>)                \
  X(::torchlet::nn::MaxPool2dImpl<>)                     \
  X(::torchlet::nn::AvgPool2dImpl<>)                     \
  X(::torchlet::nn::AdaptiveAvgPool2dImpl<>)             \
  X(::torchlet::nn::MaxPool1dImpl<>)                     \
  X(::torchlet::nn::MaxPool3dImpl<>)                     \
  X(::torchlet::nn::AvgPool1dImpl<>)                     \
  X(::torchlet::nn::AvgPool3dImpl<>)                     \
  X(::torchlet::nn::AdaptiveMaxPool1dImpl<>)             \
  X(::torchlet::nn::AdaptiveMaxPool2dImpl<>)             \
  X(::torchlet::nn::AdaptiveAvgPool1dImpl<>)             \
  X(::torchlet::nn::AdaptiveAvgPool3dImpl<>)             \
  X(::torchlet::nn::MaxUnpool2dImpl<>)                   \
  X(::torchlet::nn::LPPool2dImpl<>)                      \
  X(::torchlet::nn::UpsampleImpl<>)                      \
  X(::torchlet::nn::UpsamplingNearest2dImpl<>)           \
  X(::torchlet::nn::UpsamplingBilinear2dImpl<>)

/// Attention, the recurrent layers and the transformer.
#define TORCHLET_COMPILED_NN_SEQUENCE(X)                   \
  X(::torchlet::nn::NonDynamicallyQuantizableLinearImpl<>) \
  X(::torchlet::nn::MultiheadAttentionImpl<>)              \
  X(::torchlet::nn::detail::SingleStateRNNImpl<>)          \
  X(::torchlet::nn::RNNImpl<>)                             \
  X(::torchlet::nn::LSTMImpl<>)                            \
  X(::torchlet::nn::GRUImpl<>)                             \
  X(::torchlet::nn::RNNCellImpl<>)                         \
  X(::torchlet::nn::LSTMCellImpl<>)                        \
  X(::torchlet::nn::GRUCellImpl<>)                         \
  X(::torchlet::nn::TransformerEncoderImpl<>)              \
  X(::torchlet::nn::TransformerDecoderImpl<>)              \
  X(::torchlet::nn::TransformerImpl<>)                     \
  X(::torchlet::nn::TransformerEncoderLayerImpl<>)         \
  X(::torchlet::nn::TransformerDecoderLayerImpl<>)

/// The optimizers and their bases.
#define TORCHLET_COMPILED_OPTIM(X)                                                                \
  X(::torchlet::optim::OptimizerBase<::torchlet::optim::AdadeltaOptions,                          \
                                     ::torchlet::optim::AdadeltaState>)                           \
  X(::torchlet::optim::OptimizerBase<::torchlet::optim::AdagradOptions,                           \
                                     ::torchlet::optim::AdagradState>)                            \
  X(::torchlet::optim::OptimizerBase<::torchlet::optim::AdamOptions,                              \
                                     ::torchlet::optim::AdamState>)                               \
  X(::torchlet::optim::OptimizerBase<::torchlet::optim::AdamWOptions,                             \
                                     ::torchlet::optim::AdamState>)                               \
  X(::torchlet::optim::OptimizerBase<::torchlet::optim::AdamaxOptions,                            \
                                     ::torchlet::optim::AdamaxState>)                             \
  X(::torchlet::optim::OptimizerBase<::torchlet::optim::ASGDOptions,                              \
                                     ::torchlet::optim::ASGDState>)                               \
  X(::torchlet::optim::OptimizerBase<::torchlet::optim::LBFGSOptions,                             \
                                     ::torchlet::optim::LBFGSState>)                              \
  X(::torchlet::optim::OptimizerBase<::torchlet::optim::NAdamOptions,                             \
                                     ::torchlet::optim::NAdamState>)                              \
  X(::torchlet::optim::OptimizerBase<::torchlet::optim::RAdamOptions,                             \
                                     ::torchlet::optim::RAdamState>)                              \
  X(::torchlet::optim::OptimizerBase<::torchlet::optim::RMSpropOptions,                           \
                                     ::torchlet::optim::RMSpropState>)                            \
  X(::torchlet::optim::OptimizerBase<::torchlet::optim::RpropOptions,                             \
                                     ::torchlet::optim::RpropState>)                              \
  X(::torchlet::optim::OptimizerBase<::torchlet::optim::SGDOptions, ::torchlet::optim::SGDState>) \
  X(::torchlet::optim::AdadeltaImpl<>)                                                            \
  X(::torchlet::optim::AdagradImpl<>)                                                             \
  X(::torchlet::optim::AdamImpl<>)                                                                \
  X(::torchlet::optim::AdamWImpl<>)                                                               \
  X(::torchlet::optim::AdamaxImpl<>)                                                              \
  X(::torchlet::optim::ASGDImpl<>)                                                                \
  X(::torchlet::optim::LBFGSImpl<>)                                                               \
  X(::torchlet::optim::NAdamImpl<>)                                                               \
  X(::torchlet::optim::RAdamImpl<>)                                                               \
  X(::torchlet::optim::RMSpropImpl<>)                                                             \
  X(::torchlet::optim::RpropImpl<>)                                                               \
  X(::torchlet::optim::SGDImpl<>)

/// Every list, for the declarations.
#define TORCHLET_COMPILED_ALL(X)       \
  TORCHLET_COMPILED_TENSOR(X)          \
  TORCHLET_COMPILED_NN_LAYERS(X)       \
  TORCHLET_COMPILED_NN_LOSSES_NORMS(X) \
  TORCHLET_COMPILED_NN_SEQUENCE(X)     \
  TORCHLET_COMPILED_OPTIM(X)

/// The explicit instantiation declaration of one specialization (programs linking the library).
#define TORCHLET_DETAIL_EXTERN_CLASS(...) extern template class __VA_ARGS__;
/// The explicit instantiation definition of one specialization (src/compiled/).
#define TORCHLET_DETAIL_INSTANTIATE_CLASS(...) template class __VA_ARGS__;

#if defined(TORCHLET_COMPILED_LIB)
TORCHLET_COMPILED_ALL(TORCHLET_DETAIL_EXTERN_CLASS)
#endif
