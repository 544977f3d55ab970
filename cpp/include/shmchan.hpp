// SPDX-License-Identifier: MIT
//
// shmchan.hpp - C++17 interface to shmchan, header-only, over the C API.
//
//   shmchan::writer, shmchan::reader   move-only RAII handles (every kind and
//                                      role: a reader is also a broadcast
//                                      subscriber or a work-queue reader)
//   shmchan::loan                      a reservation: cancelled on destruction
//                                      unless committed
//   shmchan::view                      a peeked message: released on
//                                      destruction
//   shmchan::result<T>, std::error_code  results; no exception is needed, the
//                                      header works with -fno-exceptions
//   result<T>::value(), shmchan::check  the optional throwing layer
//                                      (shmchan::error, a std::system_error)
//   shmchan::span<T>                   std::span in C++20, a small span in C++17
//
// Errors are std::error_codes of shmchan::category(): the value is the
// positive errno (ETIMEDOUT, EPIPE, ESTALE, ...), the message is
// shmchan_strerror()'s, and they compare equal to the std::errc of that errno
// (ec == std::errc::timed_out). The C header documents each call's errors.
// Quick start and lifetimes: docs/cpp.md.
#ifndef SHMCHAN_HPP
#define SHMCHAN_HPP

#include <shmchan.h>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>

#if __cplusplus >= 202002L && __has_include(<span>)
#include <span>
#define SHMCHAN_HPP_STD_SPAN 1
#endif

#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
#define SHMCHAN_HPP_EXCEPTIONS 1
#endif

namespace shmchan
{

// ---- errors ----

namespace detail
{
class category_impl final : public std::error_category
{
      public:
	const char *name() const noexcept override
	{
		return "shmchan";
	}
	std::string message(int ev) const override
	{
		return shmchan_strerror(-ev);
	}
	// Every shmchan error is an errno: it is equivalent to that errno's
	// std::errc (std::generic_category).
	std::error_condition default_error_condition(int ev) const noexcept override
	{
		return std::error_condition(ev, std::generic_category());
	}
};
} // namespace detail

// The error category of shmchan's results (one object per program).
inline const std::error_category &category() noexcept
{
	static const detail::category_impl c;
	return c;
}

// The error_code of a C return value: 0 or a negative errno.
inline std::error_code make_error_code(int rc) noexcept
{
	return rc < 0 ? std::error_code(-rc, category()) : std::error_code();
}

// SHMCHAN_ELOST (a message overwritten while it was read) and the layout
// errors of <shmchan/common.h>, as error codes to compare results with.
inline std::error_code lost_error() noexcept
{
	return make_error_code(SHMCHAN_ELOST);
}

#ifdef SHMCHAN_HPP_EXCEPTIONS
// What the throwing layer throws.
class error : public std::system_error
{
      public:
	explicit error(std::error_code ec) : std::system_error(ec)
	{
	}
	error(std::error_code ec, const char *what) : std::system_error(ec, what)
	{
	}
};
#endif

// Throw shmchan::error if @ec is an error (without exceptions: print it and
// abort, as the standard library does for a failed .value()).
inline void check(std::error_code ec, const char *what = "shmchan")
{
	if (!ec)
		return;
#ifdef SHMCHAN_HPP_EXCEPTIONS
	throw error(ec, what);
#else
	std::fprintf(stderr, "%s: %s\n", what, ec.message().c_str());
	std::abort();
#endif
}

// ---- spans ----

#ifdef SHMCHAN_HPP_STD_SPAN
template <class T> using span = std::span<T>;
#else
// A contiguous run of T: the part of std::span that the calls use.
template <class T> class span
{
      public:
	using element_type = T;
	using value_type = std::remove_cv_t<T>;
	using size_type = std::size_t;
	using pointer = T *;
	using iterator = T *;

	constexpr span() noexcept = default;
	constexpr span(T *data, std::size_t size) noexcept : data_(data), size_(size)
	{
	}
	template <std::size_t N> constexpr span(T (&a)[N]) noexcept : data_(a), size_(N)
	{
	}
	// Any contiguous container of convertible elements (vector, array,
	// string, another span).
	template <class C,
		  class = std::enable_if_t<
			  !std::is_array_v<std::remove_reference_t<C>> &&
			  std::is_convertible_v<
				  std::remove_pointer_t<decltype(std::declval<C &>().data())> (*)[],
				  T (*)[]>>,
		  class = decltype(std::declval<C &>().size())>
	constexpr span(C &&c) noexcept(noexcept(c.data()) &&noexcept(c.size()))
	    : data_(c.data()), size_(c.size())
	{
	}

	constexpr T *data() const noexcept
	{
		return data_;
	}
	constexpr std::size_t size() const noexcept
	{
		return size_;
	}
	constexpr std::size_t size_bytes() const noexcept
	{
		return size_ * sizeof(T);
	}
	constexpr bool empty() const noexcept
	{
		return size_ == 0;
	}
	constexpr T *begin() const noexcept
	{
		return data_;
	}
	constexpr T *end() const noexcept
	{
		return data_ + size_;
	}
	constexpr T &operator[](std::size_t i) const noexcept
	{
		return data_[i];
	}
	constexpr span first(std::size_t n) const noexcept
	{
		return span(data_, n);
	}
	constexpr span subspan(std::size_t off, std::size_t n) const noexcept
	{
		return span(data_ + off, n);
	}

      private:
	T *data_ = nullptr;
	std::size_t size_ = 0;
};
#endif

using bytes = span<std::byte>;
using const_bytes = span<const std::byte>;

// The bytes of @n bytes at @p.
inline const_bytes as_bytes(const void *p, std::size_t n) noexcept
{
	return const_bytes(static_cast<const std::byte *>(p), n);
}
inline bytes as_writable_bytes(void *p, std::size_t n) noexcept
{
	return bytes(static_cast<std::byte *>(p), n);
}
// The bytes of a contiguous container of trivially copyable elements.
template <class C> const_bytes as_bytes(const C &c) noexcept
{
	static_assert(std::is_trivially_copyable_v<std::remove_pointer_t<decltype(c.data())>>,
		      "only trivially copyable elements can be sent as bytes");
	return as_bytes(c.data(), c.size() * sizeof(*c.data()));
}

// ---- results ----

// A value or an error. The value is there only when the error is clear.
template <class T> class result
{
      public:
	result(T v) noexcept(std::is_nothrow_move_constructible_v<T>) : v_(std::move(v))
	{
	}
	result(std::error_code ec) noexcept : ec_(ec)
	{
	}

	explicit operator bool() const noexcept
	{
		return !ec_;
	}
	bool has_value() const noexcept
	{
		return !ec_;
	}
	std::error_code error() const noexcept
	{
		return ec_;
	}
	// The value; throws shmchan::error (or aborts without exceptions) on an
	// error.
	T &value() &
	{
		check(ec_);
		return v_;
	}
	T &&value() &&
	{
		check(ec_);
		return std::move(v_);
	}
	T &operator*() &noexcept
	{
		return v_;
	}
	T &&operator*() &&noexcept
	{
		return std::move(v_);
	}
	T *operator->() noexcept
	{
		return &v_;
	}

      private:
	T v_{};
	std::error_code ec_;
};

namespace detail
{
// The result of a C call that returned @rc and, on success, made @v. Not
// for loans and views: one made from a failed call's output would give
// back, on destruction, what another loan or view holds.
template <class T> result<std::decay_t<T>> make_result(int rc, T &&v) noexcept
{
	if (rc)
		return make_error_code(rc);
	return std::forward<T>(v);
}
} // namespace detail

// ---- configuration ----

// Wait forever (a timeout of -1 ms in the C API).
inline constexpr std::chrono::milliseconds forever{ -1 };

namespace detail
{
inline int to_ms(std::chrono::milliseconds t) noexcept
{
	if (t.count() < 0)
		return -1;
	return t.count() > 0x7fffffff ? 0x7fffffff : static_cast<int>(t.count());
}
} // namespace detail

// struct shmchan_config, zeroed, with a named constructor per kind and
// setters that chain:
//   auto cfg = shmchan::config::slots(4096, 256).wait(SHMCHAN_WAIT_SPIN);
class config
{
      public:
	config() noexcept = default;
	config(const shmchan_config &c) noexcept : c_(c)
	{
	}

	static config slots(std::uint32_t slot_size, std::uint32_t slot_count) noexcept
	{
		return config().kind(SHMCHAN_KIND_SLOT).geometry(slot_size, slot_count);
	}
	static config records(std::uint32_t buffer_size) noexcept
	{
		config c;
		c.c_.kind = SHMCHAN_KIND_RECORD;
		c.c_.buffer_size = buffer_size;
		return c;
	}
	static config broadcast(std::uint32_t slot_size, std::uint32_t slot_count,
				std::uint32_t policy = SHMCHAN_POLICY_BLOCK) noexcept
	{
		return config()
			.kind(SHMCHAN_KIND_BROADCAST)
			.geometry(slot_size, slot_count)
			.policy(policy);
	}
	static config workqueue(std::uint32_t slot_size, std::uint32_t slot_count) noexcept
	{
		return config().kind(SHMCHAN_KIND_WORKQUEUE).geometry(slot_size, slot_count);
	}

	config &kind(std::uint32_t k) noexcept
	{
		return c_.kind = k, *this;
	}
	config &geometry(std::uint32_t slot_size, std::uint32_t slot_count) noexcept
	{
		c_.slot_size = slot_size;
		c_.slot_count = slot_count;
		return *this;
	}
	config &policy(std::uint32_t p) noexcept
	{
		return c_.policy = p, *this;
	}
	config &mode(std::uint32_t m) noexcept
	{
		return c_.mode = m, *this;
	}
	config &wait(std::uint32_t w) noexcept
	{
		return c_.wait = w, *this;
	}
	config &spin_us(std::int32_t us) noexcept
	{
		return c_.spin_us = us, *this;
	}
	config &flags(std::uint32_t f) noexcept
	{
		return c_.flags = f, *this;
	}
	// SHMCHAN_MEM_* (channel.h): pre-fault, lock, huge pages, NUMA.
	config &mem(std::uint32_t m) noexcept
	{
		return c_.mem = m, *this;
	}
	config &numa_node(std::uint32_t node) noexcept
	{
		return c_.numa_node = node, *this;
	}
	// Readers: the most views held at once (config.hold, channel.h).
	config &hold(std::uint32_t n) noexcept
	{
		return c_.hold = n, *this;
	}

	const shmchan_config *get() const noexcept
	{
		return &c_;
	}
	shmchan_config *get() noexcept
	{
		return &c_;
	}
	const shmchan_config &operator*() const noexcept
	{
		return c_;
	}
	const shmchan_config *operator->() const noexcept
	{
		return &c_;
	}

      private:
	shmchan_config c_{};
};

// ---- handles ----

// What writers and readers share: the C handle, closed on destruction,
// moved by copying its bytes (channel.h allows it when no call runs on it
// and it is in no wait set). Never move a handle that a loan or a view
// still refers to.
class channel
{
      public:
	channel() noexcept
	{
		std::memset(&ch_, 0, sizeof(ch_));
	}
	~channel()
	{
		shmchan_channel_close(&ch_);
	}
	channel(const channel &) = delete;
	channel &operator=(const channel &) = delete;
	channel(channel &&o) noexcept
	{
		take(o);
	}
	channel &operator=(channel &&o) noexcept
	{
		if (this != &o) {
			shmchan_channel_close(&ch_);
			take(o);
		}
		return *this;
	}

	// Whether the handle is open (closed: default-constructed, moved
	// from, closed, or the result of a failed open).
	bool is_open() const noexcept
	{
		shmchan_config c;
		return shmchan_channel_config(&ch_, &c) == 0;
	}
	explicit operator bool() const noexcept
	{
		return is_open();
	}

	// shmchan_channel_close: idempotent.
	std::error_code close() noexcept
	{
		return make_error_code(shmchan_channel_close(&ch_));
	}

	// The pollable descriptor (shmchan_channel_poll_fd; owned by the handle).
	result<int> poll_fd() noexcept
	{
		int fd = shmchan_channel_poll_fd(&ch_);
		return fd < 0 ? result<int>(make_error_code(fd)) : result<int>(fd);
	}
	result<unsigned> depth() const noexcept
	{
		return count(shmchan_channel_depth(&ch_));
	}
	result<std::uint64_t> depth_bytes() const noexcept
	{
		std::int64_t n = shmchan_channel_depth_bytes(&ch_);
		return n < 0 ? result<std::uint64_t>(make_error_code(static_cast<int>(n)))
			     : result<std::uint64_t>(static_cast<std::uint64_t>(n));
	}
	result<unsigned> capacity() const noexcept
	{
		return count(shmchan_channel_capacity(&ch_));
	}
	// The channel's configuration as it was created.
	result<shmchan_config> get_config() const noexcept
	{
		shmchan_config c{};
		int rc = shmchan_channel_config(&ch_, &c);
		return detail::make_result(rc, c);
	}
	// The largest message a write may carry.
	std::size_t max_message_size() const noexcept
	{
		shmchan_config c;
		if (shmchan_channel_config(&ch_, &c) != 0)
			return 0;
		return c.kind == SHMCHAN_KIND_RECORD ? SHMCHAN_RECORD_MAX_LEN(c.buffer_size)
						     : c.slot_size;
	}

	// The C handle, for the calls this header does not wrap.
	shmchan_channel *native() noexcept
	{
		return &ch_;
	}
	const shmchan_channel *native() const noexcept
	{
		return &ch_;
	}

      protected:
	static result<unsigned> count(int rc) noexcept
	{
		return rc < 0 ? result<unsigned>(make_error_code(rc))
			      : result<unsigned>(static_cast<unsigned>(rc));
	}
	void take(channel &o) noexcept
	{
		std::memcpy(static_cast<void *>(&ch_), &o.ch_, sizeof(ch_));
		std::memset(static_cast<void *>(&o.ch_), 0, sizeof(o.ch_));
	}

	shmchan_channel ch_;
};

class writer;
class reader;

// A reservation of a writer (shmchan_channel_reserve): the bytes to fill in
// place. commit() publishes them; destruction without commit() cancels.
class loan
{
      public:
	loan() noexcept = default;
	~loan()
	{
		cancel();
	}
	loan(const loan &) = delete;
	loan &operator=(const loan &) = delete;
	loan(loan &&o) noexcept : w_(std::exchange(o.w_, nullptr)), data_(o.data_)
	{
	}
	loan &operator=(loan &&o) noexcept
	{
		if (this != &o) {
			cancel();
			w_ = std::exchange(o.w_, nullptr);
			data_ = o.data_;
		}
		return *this;
	}

	explicit operator bool() const noexcept
	{
		return w_ != nullptr;
	}
	bytes data() const noexcept
	{
		return data_;
	}
	std::size_t size() const noexcept
	{
		return data_.size();
	}
	// The reservation as a T (it must hold one and be aligned for it).
	template <class T> T *as() const noexcept
	{
		static_assert(std::is_trivially_copyable_v<T>,
			      "loan::as<T>: T must be trivially copyable");
		return sizeof(T) <= data_.size() ? reinterpret_cast<T *>(data_.data()) : nullptr;
	}

	// Publish the first @n bytes (all of them by default). Afterwards the
	// loan is empty, whatever the result, except for EMSGSIZE (@n above the
	// loan's size: nothing changed). ECANCELED: the reader stepped over the
	// reservation (see shmchan_channel_commit).
	inline std::error_code commit(std::size_t n) noexcept;
	std::error_code commit() noexcept
	{
		return commit(data_.size());
	}
	// Give the reservation back (a no-op on an empty loan).
	inline std::error_code cancel() noexcept;

      private:
	friend class writer;
	loan(shmchan_channel *w, bytes data) noexcept : w_(w), data_(data)
	{
	}
	shmchan_channel *w_ = nullptr;
	bytes data_;
};

// A peeked message of a reader (shmchan_channel_peek): valid until
// release(), which destruction does. A reader opened with config::hold(n)
// may keep up to n views alive and drop them in any order: each releases
// its own message (shmchan_channel_release_view).
class view
{
      public:
	view() noexcept = default;
	~view()
	{
		release();
	}
	view(const view &) = delete;
	view &operator=(const view &) = delete;
	view(view &&o) noexcept : r_(std::exchange(o.r_, nullptr)), data_(o.data_)
	{
	}
	view &operator=(view &&o) noexcept
	{
		if (this != &o) {
			release();
			r_ = std::exchange(o.r_, nullptr);
			data_ = o.data_;
		}
		return *this;
	}

	explicit operator bool() const noexcept
	{
		return r_ != nullptr;
	}
	const_bytes data() const noexcept
	{
		return data_;
	}
	std::size_t size() const noexcept
	{
		return data_.size();
	}
	// The message as a T, or nullptr if it is not sizeof(T) bytes.
	template <class T> const T *as() const noexcept
	{
		static_assert(std::is_trivially_copyable_v<T>,
			      "view::as<T>: T must be trivially copyable");
		return data_.size() == sizeof(T) ? reinterpret_cast<const T *>(data_.data())
						 : nullptr;
	}

	// Consume the message; the view is empty afterwards. Returns the
	// release's error: SHMCHAN_ELOST (lost_error()) if the message was
	// overwritten while held (broadcast, overwrite policy).
	std::error_code release() noexcept
	{
		if (!r_)
			return {};
		int rc = shmchan_channel_release_view(r_, data_.data());
		r_ = nullptr;
		data_ = const_bytes();
		return make_error_code(rc);
	}

      private:
	friend class reader;
	view(shmchan_channel *r, const_bytes data) noexcept : r_(r), data_(data)
	{
	}
	shmchan_channel *r_ = nullptr;
	const_bytes data_;
};

inline std::error_code loan::commit(std::size_t n) noexcept
{
	if (!w_)
		return make_error_code(-EINVAL);
	if (n > data_.size())
		return make_error_code(-EMSGSIZE); // still reserved: cancel() or destruction
	int rc = shmchan_channel_commit(w_, n);
	w_ = nullptr;
	data_ = bytes();
	return make_error_code(rc);
}

inline std::error_code loan::cancel() noexcept
{
	if (!w_)
		return {};
	int rc = shmchan_channel_cancel(w_);
	w_ = nullptr;
	data_ = bytes();
	return make_error_code(rc);
}

namespace detail
{
template <class T> struct identity {
	using type = T;
};
template <class T> using identity_t = typename identity<T>::type;
} // namespace detail

// A writer of a channel of any kind.
class writer : public channel
{
      public:
	writer() noexcept = default;

	// shmchan_channel_create_writer: create @name exclusively.
	static result<writer> create(const char *name, const config &cfg) noexcept
	{
		writer w;
		int rc = shmchan_channel_create_writer(&w.ch_, name, cfg.get());
		return detail::make_result(rc, std::move(w));
	}
	// shmchan_channel_create_or_replace_writer: replace whatever holds
	// @name (its peers get ESTALE). Not for a service that may be started
	// twice: the second start would replace the first one's live channel.
	static result<writer> create_or_replace(const char *name, const config &cfg) noexcept
	{
		writer w;
		int rc = shmchan_channel_create_or_replace_writer(&w.ch_, name, cfg.get());
		return detail::make_result(rc, std::move(w));
	}
	// shmchan_channel_open_writer: join @name; @expect: kind and geometry
	// it must have (a default config accepts any).
	static result<writer> open(const char *name, const config &expect = config()) noexcept
	{
		writer w;
		int rc = shmchan_channel_open_writer(&w.ch_, name, expect.get());
		return detail::make_result(rc, std::move(w));
	}

	// shmchan_channel_write: EAGAIN when full (never waits).
	std::error_code write(const_bytes msg) noexcept
	{
		return make_error_code(shmchan_channel_write(&ch_, msg.data(), msg.size()));
	}
	std::error_code write(const void *p, std::size_t n) noexcept
	{
		return write(as_bytes(p, n));
	}
	// shmchan_channel_send: wait up to @timeout for room (ETIMEDOUT).
	std::error_code send(const_bytes msg, std::chrono::milliseconds timeout = forever) noexcept
	{
		return make_error_code(
			shmchan_channel_send(&ch_, msg.data(), msg.size(), detail::to_ms(timeout)));
	}
	std::error_code send(const void *p, std::size_t n,
			     std::chrono::milliseconds timeout = forever) noexcept
	{
		return send(as_bytes(p, n), timeout);
	}
	// Send one T by value: w.send<frame_header>(h). T is named explicitly,
	// never deduced, so that a container or a pointer is not sent as bytes
	// by accident.
	template <class T>
	std::error_code send(const detail::identity_t<T> &v,
			     std::chrono::milliseconds timeout = forever) noexcept
	{
		static_assert(std::is_trivially_copyable_v<T>,
			      "send<T>: T must be trivially copyable (its bytes are the message)");
		static_assert(!std::is_pointer_v<T>,
			      "send<T>: a pointer means nothing to another process");
		return send(as_bytes(&v, sizeof(T)), timeout);
	}

	// shmchan_channel_reserve (EAGAIN when full) and
	// shmchan_channel_reserve_wait (up to @timeout): a loan of @n bytes.
	result<loan> reserve(std::size_t n) noexcept
	{
		void *p;
		int rc = shmchan_channel_reserve(&ch_, n, &p);
		return rc ? result<loan>(make_error_code(rc))
			  : result<loan>(loan(&ch_, as_writable_bytes(p, n)));
	}
	result<loan> reserve(std::size_t n, std::chrono::milliseconds timeout) noexcept
	{
		void *p;
		int rc = shmchan_channel_reserve_wait(&ch_, n, &p, detail::to_ms(timeout));
		return rc ? result<loan>(make_error_code(rc))
			  : result<loan>(loan(&ch_, as_writable_bytes(p, n)));
	}

	std::error_code wait_writable(std::chrono::milliseconds timeout = forever) noexcept
	{
		return make_error_code(shmchan_channel_wait_writable(&ch_, detail::to_ms(timeout)));
	}
	std::error_code wait_writable(std::size_t n, std::chrono::milliseconds timeout) noexcept
	{
		return make_error_code(
			shmchan_channel_wait_writable_len(&ch_, n, detail::to_ms(timeout)));
	}
	// shmchan_channel_wait_for_reader(s): until @n readers are attached.
	std::error_code wait_for_readers(unsigned n = 1,
					 std::chrono::milliseconds timeout = forever) noexcept
	{
		return make_error_code(
			shmchan_channel_wait_for_readers(&ch_, n, detail::to_ms(timeout)));
	}
};

// A reader of a channel: the reader of a slot or record channel, one of the
// competing readers of a work queue, or (subscribe) a broadcast subscriber.
class reader : public channel
{
      public:
	reader() noexcept = default;

	// shmchan_channel_open_reader.
	static result<reader> open(const char *name, const config &expect = config()) noexcept
	{
		reader r;
		int rc = shmchan_channel_open_reader(&r.ch_, name, expect.get());
		return detail::make_result(rc, std::move(r));
	}
	// shmchan_channel_subscribe: @flags SHMCHAN_SUB_OLDEST starts at the
	// oldest message retained rather than the next one written.
	static result<reader> subscribe(const char *name, const config &expect = config(),
					unsigned flags = 0) noexcept
	{
		reader r;
		int rc = shmchan_channel_subscribe(&r.ch_, name, expect.get(), flags);
		return detail::make_result(rc, std::move(r));
	}

	// shmchan_channel_read: a copy into @buf (EAGAIN when empty, EPIPE at
	// end of stream, EMSGSIZE if @buf is too small: the message stays).
	result<std::size_t> read(bytes buf) noexcept
	{
		std::size_t n = 0;
		int rc = shmchan_channel_read(&ch_, buf.data(), buf.size(), &n);
		return detail::make_result(rc, n);
	}
	// shmchan_channel_recv: as read, waiting up to @timeout (ETIMEDOUT).
	result<std::size_t> recv(bytes buf, std::chrono::milliseconds timeout = forever) noexcept
	{
		std::size_t n = 0;
		int rc = shmchan_channel_recv(&ch_, buf.data(), buf.size(), &n,
					      detail::to_ms(timeout));
		return detail::make_result(rc, n);
	}
	// Receive one T: r.recv<frame_header>(), waiting up to @timeout.
	// EMSGSIZE: the message is not sizeof(T) bytes, so the two ends disagree
	// on T; a larger message stays in the channel (read it with
	// recv(bytes)), a smaller one has been taken and is dropped.
	// SHMCHAN_ELOST: overwritten while copied (broadcast, overwrite policy).
	template <class T> result<T> recv(std::chrono::milliseconds timeout = forever) noexcept
	{
		static_assert(std::is_trivially_copyable_v<T>,
			      "recv<T>: T must be trivially copyable (its bytes are the message)");
		static_assert(std::is_default_constructible_v<T>,
			      "recv<T>: T must be default constructible");
		T v{};
		std::size_t n = 0;
		int rc = shmchan_channel_recv(&ch_, &v, sizeof(T), &n, detail::to_ms(timeout));
		if (rc == 0 && n != sizeof(T))
			rc = -EMSGSIZE;
		return detail::make_result(rc, v);
	}

	// shmchan_channel_peek (EAGAIN when empty) and shmchan_channel_peek_wait
	// (up to @timeout): the oldest message in place, held by the view.
	result<view> peek() noexcept
	{
		const void *p;
		std::size_t n;
		int rc = shmchan_channel_peek(&ch_, &p, &n);
		return rc ? result<view>(make_error_code(rc))
			  : result<view>(view(&ch_, as_bytes(p, n)));
	}
	result<view> peek(std::chrono::milliseconds timeout) noexcept
	{
		const void *p;
		std::size_t n;
		int rc = shmchan_channel_peek_wait(&ch_, &p, &n, detail::to_ms(timeout));
		return rc ? result<view>(make_error_code(rc))
			  : result<view>(view(&ch_, as_bytes(p, n)));
	}

	std::error_code wait_readable(std::chrono::milliseconds timeout = forever) noexcept
	{
		return make_error_code(shmchan_channel_wait_readable(&ch_, detail::to_ms(timeout)));
	}
	std::error_code wait_for_writer(std::chrono::milliseconds timeout = forever) noexcept
	{
		return make_error_code(
			shmchan_channel_wait_for_writer(&ch_, detail::to_ms(timeout)));
	}
	// shmchan_channel_lost: messages this subscriber lost to overwriting.
	result<std::uint64_t> lost() const noexcept
	{
		std::uint64_t n = 0;
		int rc = shmchan_channel_lost(&ch_, &n);
		return detail::make_result(rc, n);
	}
};

// shmchan_channel_unlink and shmchan_channel_wait_created.
inline std::error_code unlink(const char *name) noexcept
{
	return make_error_code(shmchan_channel_unlink(name));
}
inline std::error_code wait_created(const char *name,
				    std::chrono::milliseconds timeout = forever) noexcept
{
	return make_error_code(shmchan_channel_wait_created(name, detail::to_ms(timeout)));
}

} // namespace shmchan

#endif // SHMCHAN_HPP
