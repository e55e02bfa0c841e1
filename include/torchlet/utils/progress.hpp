#pragma once
// utils::progress(range): iterates a range and, when standard error is a terminal,
// redraws a tqdm-style line: "  37/125 [######......]  29% 812.3 it/s ETA 0.1s loss=0.41".
// When stderr is not a terminal it prints nothing, so logs stay clean.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iterator>
#include <string>

namespace torchlet::utils {

/// A range wrapper drawing a progress line on stderr as it is iterated (see utils::progress).
template <class R>
class Progress {
 public:
  /// Wraps `range` of `total` items; draws only when `enabled`.
  Progress(R& range, std::size_t total, std::string desc, bool enabled)
      : range_(range), total_(total), desc_(std::move(desc)), enabled_(enabled) {}
  ~Progress() {
    if (enabled_ && drawn_) std::fputs("\r\033[K", stderr);
  }
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  /// Text shown after the bar, e.g. "loss=0.4123".
  void set_postfix(std::string s) { postfix_ = std::move(s); }

  /// Iterates the wrapped range and redraws the line after each item.
  class iterator {
   public:
    /// The wrapped range's iterator.
    using inner = decltype(std::begin(std::declval<R&>()));
    /// Wraps the range's iterator it.
    iterator(Progress* p, inner it) : p_(p), it_(std::move(it)) {}
    /// The wrapped range's element.
    decltype(auto) operator*() const { return *it_; }
    /// Advances and redraws (at most every 100 ms).
    iterator& operator++() {
      ++it_;
      p_->tick();
      return *this;
    }
    /// Compares with the wrapped range's end (or sentinel).
    template <class S>
    bool operator!=(const S& end) const {
      return it_ != end;
    }

   private:
    Progress* p_;
    inner it_;
  };
  /// Starts counting and timing; begins the wrapped range.
  iterator begin() {
    start_ = last_ = std::chrono::steady_clock::now();
    count_ = 0;
    return iterator(this, std::begin(range_));
  }
  /// The wrapped range's end.
  auto end() { return std::end(range_); }

 private:
  void tick() {
    ++count_;
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (count_ != total_ && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    const double secs = std::chrono::duration<double>(now - start_).count();
    const double rate = secs > 0 ? static_cast<double>(count_) / secs : 0.0;
    const double eta =
        rate > 0 && total_ > count_ ? static_cast<double>(total_ - count_) / rate : 0.0;
    constexpr int width = 20;
    const int filled = total_ ? static_cast<int>(width * count_ / total_) : 0;
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(width, '.');
    std::fprintf(stderr, "\r\033[K%s%zu/%zu [%s] %3d%% %.1f it/s ETA %.1fs %s",
                 desc_.empty() ? "" : (desc_ + " ").c_str(), count_, total_, bar.c_str(),
                 total_ ? static_cast<int>(100 * count_ / total_) : 0, rate, eta, postfix_.c_str());
    std::fflush(stderr);
    drawn_ = true;
  }

  R& range_;
  std::size_t total_;
  std::string desc_, postfix_;
  bool enabled_;
  bool drawn_ = false;
  std::size_t count_ = 0;
  std::chrono::steady_clock::time_point start_, last_;
};

/// Wraps a sized range (anything with size()) in a progress line on stderr.
template <class R>
Progress<R> progress(R& range, std::string desc = "") {
  return Progress<R>(range, static_cast<std::size_t>(range.size()), std::move(desc),
                     isatty(STDERR_FILENO) == 1);
}

}  // namespace torchlet::utils
