#pragma once
// nn::utils::rnn: batches of sequences of different lengths, as torch.nn.utils.rnn.
//   PackedSequence: data [N, *] holds the rows of step t of the first batch_sizes[t] sequences
//   (longest first), N = sum of the lengths.
//   pad_sequence: B tensors [L_b, *] -> [L_max, B, *] ([B, L_max, *] with batch_first)
//   pack_padded_sequence: [L, B, *] ([B, L, *]) + lengths [B] -> PackedSequence
//   pad_packed_sequence: PackedSequence -> ([T, B, *] ([B, T, *]), lengths [B])
//   pack_sequence: B tensors [L_b, *] -> PackedSequence
// Every data movement is one index_select, so gradients flow through packing and padding.
#include <algorithm>
#include <numeric>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "torchlet/tensor.hpp"

namespace torchlet::nn::utils::rnn {

/// torch.nn.utils.rnn.PackedSequence: a batch of sequences of different lengths in one tensor.
struct PackedSequence {
  /// [N, *]: the rows of step 0 of every sequence, then of step 1 of the sequences that long, ...
  Tensor data;
  /// [L] (int64): how many sequences have step t; non-increasing.
  LongTensor batch_sizes;
  /// [B] (int64): the order (longest first) the sequences were packed in, as indices into the
  /// original batch; undefined when the batch was already sorted (enforce_sorted).
  LongTensor sorted_indices;
  /// [B] (int64): the inverse permutation of sorted_indices (undefined with it).
  LongTensor unsorted_indices;

  /// batch_sizes as a std::vector.
  std::vector<std::int64_t> batch_sizes_vector() const {
    return batch_sizes.defined() ? batch_sizes.to_vector() : std::vector<std::int64_t>{};
  }
};

namespace detail {

template <class = void>
inline LongTensor longs(const std::vector<std::int64_t>& v) {
  return from_vector<std::int64_t>(v, {static_cast<std::int64_t>(v.size())});
}

/// Shape [a, b, rest...] where rest = s without its first `drop` dims.
template <class = void>
inline Shape with_lead(std::int64_t a, std::int64_t b, const Shape& s, std::size_t drop) {
  Shape out{a, b};
  out.insert(out.end(), s.begin() + static_cast<std::ptrdiff_t>(drop), s.end());
  return out;
}

/// x [rows, *] with one row of `value` appended: [rows + 1, *].
template <class = void>
inline Tensor append_padding_row(const Tensor& x, double value) {
  Shape ps = x.shape();
  ps[0] = 1;
  return cat(std::vector<Tensor>{x, full<float>(ps, static_cast<float>(value))}, 0);
}

}  // namespace detail

/// torch.nn.utils.rnn.pad_sequence: pads B tensors [L_b, *] (the * dims equal) with
/// padding_value to [L_max, B, *], or [B, L_max, *] with batch_first.
template <class = void>
inline Tensor pad_sequence(const std::vector<Tensor>& sequences, bool batch_first = false,
                           double padding_value = 0.0) {
  if (sequences.empty())
    throw std::invalid_argument("pad_sequence: received an empty list of sequences");
  const Shape& first = sequences.front().shape();
  if (first.empty())
    throw ShapeError("pad_sequence: sequences must be at least 1-D, got a 0-D tensor");
  std::int64_t lmax = 0;
  std::vector<std::int64_t> start;
  std::int64_t rows = 0;
  for (const auto& s : sequences) {
    if (s.dim() != static_cast<std::int64_t>(first.size()) ||
        !std::equal(first.begin() + 1, first.end(), s.shape().begin() + 1))
      throw ShapeError("pad_sequence: every sequence must be [L, " +
                       to_string(Shape(first.begin() + 1, first.end())) +
                       "...] like the first, got " + to_string(s.shape()) + " and " +
                       to_string(first));
    start.push_back(rows);
    rows += s.size(0);
    lmax = std::max(lmax, s.size(0));
  }
  const auto B = static_cast<std::int64_t>(sequences.size());
  const auto all = detail::append_padding_row(cat(sequences, 0), padding_value);
  std::vector<std::int64_t> idx(static_cast<std::size_t>(lmax * B));
  for (std::int64_t t = 0; t < lmax; ++t)
    for (std::int64_t b = 0; b < B; ++b) {
      const auto len = sequences[static_cast<std::size_t>(b)].size(0);
      idx[static_cast<std::size_t>(batch_first ? b * lmax + t : t * B + b)] =
          t < len ? start[static_cast<std::size_t>(b)] + t : rows;
    }
  const auto out = all.index_select(0, detail::longs(idx));
  return out.view(batch_first ? detail::with_lead(B, lmax, first, 1)
                              : detail::with_lead(lmax, B, first, 1));
}

/// torch.nn.utils.rnn.pack_padded_sequence: packs a padded batch input [L, B, *] ([B, L, *] with
/// batch_first) whose sequence b has lengths[b] steps. With enforce_sorted the lengths must be
/// non-increasing; otherwise the batch is sorted and the PackedSequence remembers the order.
template <class = void>
inline PackedSequence pack_padded_sequence(const Tensor& input,
                                           const std::vector<std::int64_t>& lengths,
                                           bool batch_first = false, bool enforce_sorted = true) {
  if (input.dim() < 2)
    throw ShapeError("pack_padded_sequence: input must be at least 2-D [L, B, *], got " +
                     to_string(input.shape()));
  const auto L = input.size(batch_first ? 1 : 0), B = input.size(batch_first ? 0 : 1);
  if (static_cast<std::int64_t>(lengths.size()) != B)
    throw ShapeError(
        "pack_padded_sequence: expected len(lengths) to be equal to batch_size, but "
        "got " +
        std::to_string(lengths.size()) + " lengths (batch_size=" + std::to_string(B) + ", input " +
        to_string(input.shape()) + ")");
  std::vector<std::int64_t> order(lengths.size());
  std::iota(order.begin(), order.end(), 0);
  PackedSequence out;
  if (enforce_sorted) {
    for (std::size_t b = 1; b < lengths.size(); ++b)
      if (lengths[b] > lengths[b - 1])
        throw std::invalid_argument(
            "pack_padded_sequence: `lengths` array must be sorted in decreasing order when "
            "`enforce_sorted` is True. You can pass `enforce_sorted=False` to "
            "pack_padded_sequence and/or pack_sequence to sidestep this requirement if you do "
            "not need ONNX exportability.");
  } else {
    std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
      return lengths[static_cast<std::size_t>(a)] > lengths[static_cast<std::size_t>(b)];
    });
    std::vector<std::int64_t> inverse(order.size());
    for (std::size_t i = 0; i < order.size(); ++i)
      inverse[static_cast<std::size_t>(order[i])] = static_cast<std::int64_t>(i);
    out.sorted_indices = detail::longs(order);
    out.unsorted_indices = detail::longs(inverse);
  }
  std::vector<std::int64_t> sorted(lengths.size());
  for (std::size_t i = 0; i < order.size(); ++i)
    sorted[i] = lengths[static_cast<std::size_t>(order[i])];
  if (B == 0 || sorted.back() <= 0)
    throw std::invalid_argument(
        "pack_padded_sequence: Length of all samples has to be greater than 0, but found an "
        "element in 'lengths' that is <= 0");
  if (sorted.front() > L)
    throw ShapeError("pack_padded_sequence: a sequence length of " +
                     std::to_string(sorted.front()) + " exceeds the " + std::to_string(L) +
                     " steps of input " + to_string(input.shape()));
  std::vector<std::int64_t> batch_sizes, idx;
  for (std::int64_t t = 0; t < sorted.front(); ++t) {
    std::int64_t n = 0;
    while (n < B && sorted[static_cast<std::size_t>(n)] > t) {
      const auto src = order[static_cast<std::size_t>(n)];
      idx.push_back(batch_first ? src * L + t : t * B + src);
      ++n;
    }
    batch_sizes.push_back(n);
  }
  Shape flat = input.shape();
  flat.erase(flat.begin());
  flat[0] = L * B;
  out.data = input.reshape(flat).index_select(0, detail::longs(idx));
  out.batch_sizes = detail::longs(batch_sizes);
  return out;
}

/// pack_padded_sequence with the lengths as an int64 tensor [B].
template <class = void>
inline PackedSequence pack_padded_sequence(const Tensor& input, const LongTensor& lengths,
                                           bool batch_first = false, bool enforce_sorted = true) {
  if (lengths.dim() != 1)
    throw ShapeError("pack_padded_sequence: lengths must be 1-D, got " +
                     to_string(lengths.shape()));
  return pack_padded_sequence(input, lengths.to_vector(), batch_first, enforce_sorted);
}

/// torch.nn.utils.rnn.pad_packed_sequence: the inverse of pack_padded_sequence. Returns the
/// padded batch [T, B, *] ([B, T, *] with batch_first; T = total_length, or the longest length)
/// in the original batch order, padded with padding_value, and the lengths [B] (int64).
template <class = void>
inline std::tuple<Tensor, LongTensor> pad_packed_sequence(
    const PackedSequence& sequence, bool batch_first = false, double padding_value = 0.0,
    std::optional<std::int64_t> total_length = std::nullopt) {
  const auto bs = sequence.batch_sizes_vector();
  const Tensor& data = sequence.data;
  if (bs.empty() || !data.defined() || data.dim() < 1)
    throw std::invalid_argument("pad_packed_sequence: the PackedSequence is empty");
  const auto L = static_cast<std::int64_t>(bs.size()), B = bs.front();
  std::int64_t N = 0;
  for (auto b : bs) N += b;
  if (N != data.size(0))
    throw ShapeError("pad_packed_sequence: batch_sizes add up to " + std::to_string(N) +
                     " rows, data " + to_string(data.shape()) + " has " +
                     std::to_string(data.size(0)));
  const auto T = total_length.value_or(L);
  if (T < L)
    throw std::invalid_argument(
        "pad_packed_sequence: Expected total_length to be at least the length of the longest "
        "sequence in input, but got total_length=" +
        std::to_string(T) + " and max sequence length being " + std::to_string(L));
  std::vector<std::int64_t> unsorted(static_cast<std::size_t>(B));
  std::iota(unsorted.begin(), unsorted.end(), 0);
  if (sequence.unsorted_indices.defined()) unsorted = sequence.unsorted_indices.to_vector();
  std::vector<std::int64_t> offset(bs.size(), 0), sorted_len(static_cast<std::size_t>(B), 0);
  for (std::int64_t t = 0; t < L; ++t) {
    if (t > 0) offset[t] = offset[t - 1] + bs[t - 1];
    for (std::int64_t s = 0; s < bs[t]; ++s) ++sorted_len[static_cast<std::size_t>(s)];
  }
  std::vector<std::int64_t> idx(static_cast<std::size_t>(T * B)), lengths;
  for (std::int64_t j = 0; j < B; ++j) {
    const auto s = unsorted[static_cast<std::size_t>(j)];
    lengths.push_back(sorted_len[static_cast<std::size_t>(s)]);
    for (std::int64_t t = 0; t < T; ++t)
      idx[static_cast<std::size_t>(batch_first ? j * T + t : t * B + j)] =
          t < L && s < bs[t] ? offset[t] + s : N;
  }
  const auto all = detail::append_padding_row(data, padding_value);
  const auto padded = all.index_select(0, detail::longs(idx));
  return {padded.view(batch_first ? detail::with_lead(B, T, data.shape(), 1)
                                  : detail::with_lead(T, B, data.shape(), 1)),
          detail::longs(lengths)};
}

/// torch.nn.utils.rnn.pack_sequence: packs B tensors [L_b, *]; with enforce_sorted they must
/// come longest first.
template <class = void>
inline PackedSequence pack_sequence(const std::vector<Tensor>& sequences,
                                    bool enforce_sorted = true) {
  std::vector<std::int64_t> lengths;
  lengths.reserve(sequences.size());
  for (const auto& s : sequences) lengths.push_back(s.dim() ? s.size(0) : 0);
  return pack_padded_sequence(pad_sequence(sequences), lengths, false, enforce_sorted);
}

}  // namespace torchlet::nn::utils::rnn
