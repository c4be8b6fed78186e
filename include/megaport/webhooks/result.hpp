#pragma once

/// \file
/// `result<T>`: a value or an `error`, for paths that must not throw.

#include <cstdlib>
#include <type_traits>
#include <utility>

#include "error.hpp"

MEGAPORT_WEBHOOKS_NAMESPACE_BEGIN

/// A value of type `T` or the `error` that prevented it.
/// \note `T` must be default-constructible; an errored result holds a default `T`.
template <class T>
class [[nodiscard]] result {
  static_assert(std::is_default_constructible_v<T>, "result<T> needs a default-constructible T");

 public:
  result() = default;
  result(T value) noexcept(std::is_nothrow_move_constructible_v<T>) : value_(std::move(value)) {}
  result(error failure) noexcept : error_(failure) {}

  bool has_value() const noexcept { return !error_; }
  explicit operator bool() const noexcept { return has_value(); }

  /// The value. Calling it on an error is a programming mistake and aborts.
  T& value() & noexcept { return check(), value_; }
  const T& value() const& noexcept { return check(), value_; }
  T&& value() && noexcept { return check(), std::move(value_); }

  T& operator*() & noexcept { return value(); }
  const T& operator*() const& noexcept { return value(); }
  T* operator->() noexcept { return &value(); }
  const T* operator->() const noexcept { return &value(); }

  /// The error; `errc::ok` when there is a value.
  const error& failure() const noexcept { return error_; }

 private:
  void check() const noexcept {
    if (error_) std::abort();
  }

  T value_{};
  error error_{};
};

MEGAPORT_WEBHOOKS_NAMESPACE_END
