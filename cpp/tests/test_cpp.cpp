// SPDX-License-Identifier: MIT
// The C++ header (shmchan.hpp): handles and their moves, loans and views,
// error codes and their equivalence with std::errc, typed messages, every
// kind, two processes, and (with exceptions) the throwing layer. Built at
// -std=c++17 and -std=c++20, and once with -fno-exceptions. Every wait is
// bounded; every channel is removed.
#include <shmchan.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace
{

int failures;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__,      \
				     #cond);                                                       \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

// Stop here if a step the rest depends on failed.
#define REQUIRE(cond)                                                                              \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			std::fprintf(stderr, "%s:%d: REQUIRE failed: %s\n", __FILE__, __LINE__,    \
				     #cond);                                                       \
			std::exit(1);                                                              \
		}                                                                                  \
	} while (0)

constexpr auto bound = 10s; // any wait that should succeed

// A name no other test run uses; removed by the test that made it.
std::string name(const char *what)
{
	static int seq;
	return "t.cpp." + std::to_string(getpid()) + "." + what + "." + std::to_string(seq++);
}

struct sample {
	std::uint64_t seq;
	double value;
	char tag[8];
};

// ---- compile-time properties ----

static_assert(!std::is_copy_constructible_v<shmchan::writer>, "handles are move-only");
static_assert(!std::is_copy_assignable_v<shmchan::reader>, "handles are move-only");
static_assert(std::is_nothrow_move_constructible_v<shmchan::writer>, "moves never throw");
static_assert(std::is_nothrow_move_assignable_v<shmchan::reader>, "moves never throw");
static_assert(!std::is_copy_constructible_v<shmchan::loan>, "loans are move-only");
static_assert(!std::is_copy_constructible_v<shmchan::view>, "views are move-only");
static_assert(std::is_nothrow_move_constructible_v<shmchan::view>, "moves never throw");

void test_errors()
{
	std::error_code ec = shmchan::make_error_code(-ETIMEDOUT);
	CHECK(ec == std::errc::timed_out);
	CHECK(ec.value() == ETIMEDOUT);
	CHECK(std::string(ec.category().name()) == "shmchan");
	CHECK(ec.message() == shmchan_strerror(-ETIMEDOUT));
	CHECK(shmchan::make_error_code(-EPIPE) == std::errc::broken_pipe);
	CHECK(shmchan::make_error_code(SHMCHAN_EGEOMETRY) == std::errc::argument_out_of_domain);
	CHECK(shmchan::lost_error() == std::errc::no_buffer_space);
	CHECK(shmchan::make_error_code(SHMCHAN_EBADMAGIC).message().find("magic") !=
	      std::string::npos);
	CHECK(!shmchan::make_error_code(0));
	CHECK(!shmchan::make_error_code(5)); // a count is not an error
	CHECK(ec != shmchan::make_error_code(-EPIPE));
}

void test_handles()
{
	std::string n = name("handles");
	auto cfg = shmchan::config::slots(64, 8);
	auto w = shmchan::writer::create(n.c_str(), cfg);
	REQUIRE(w);
	CHECK(w->is_open() && w->max_message_size() == 64);
	auto again = shmchan::writer::create(n.c_str(), cfg);
	CHECK(!again && again.error() == std::errc::file_exists);
	auto wrong = shmchan::reader::open(n.c_str(), shmchan::config::slots(128, 8));
	CHECK(wrong.error() == shmchan::make_error_code(SHMCHAN_EGEOMETRY));
	auto gone = shmchan::reader::open("t.cpp.no-such-channel");
	CHECK(gone.error() == std::errc::no_such_file_or_directory);

	auto r = shmchan::reader::open(n.c_str());
	REQUIRE(r);
	auto c = r->get_config();
	REQUIRE(c);
	CHECK(c->kind == SHMCHAN_KIND_SLOT && c->slot_size == 64 && c->slot_count == 8);
	CHECK(r->capacity().value() == 8);

	// Moves carry the open handle; the source is closed.
	shmchan::writer w2 = std::move(*w);
	CHECK(!w->is_open() && w2.is_open());
	CHECK(w->write("x", 1) == std::errc::invalid_argument);
	CHECK(!w2.write("abc", 3));
	shmchan::reader r2;
	CHECK(!r2);
	r2 = std::move(*r);
	CHECK(r2.depth().value() == 1 && r2.depth_bytes().value() == 64);
	std::array<std::byte, 64> buf{};
	auto got = r2.read(buf);
	CHECK(got && *got == 3 && std::memcmp(buf.data(), "abc", 3) == 0);
	// A move-assignment closes what the target held: the reader role is
	// free again once r3's first handle is replaced.
	auto r3 = shmchan::reader::open(n.c_str());
	CHECK(r3.error() == std::errc::device_or_resource_busy); // one reader at a time
	r2 = shmchan::reader();
	CHECK(!r2.is_open());
	r3 = shmchan::reader::open(n.c_str());
	CHECK(r3);
	CHECK(!w2.close() && !w2.close()); // idempotent
	CHECK(r3->wait_readable(bound) == std::errc::broken_pipe);
	CHECK(!shmchan::unlink(n.c_str()));
	CHECK(shmchan::unlink(n.c_str()) == std::errc::no_such_file_or_directory);
}

void test_send_recv()
{
	std::string n = name("sendrecv");
	auto w = shmchan::writer::create(n.c_str(), shmchan::config::slots(64, 4)).value();
	auto r = shmchan::reader::open(n.c_str()).value();
	std::vector<unsigned char> msg = { 1, 2, 3, 4, 5 };
	CHECK(!w.send(shmchan::as_bytes(msg), bound));
	std::string s = "hello";
	CHECK(!w.send(shmchan::as_bytes(s)));
	CHECK(!w.send<sample>(sample{ 7, 2.5, "seven" }, bound));
	std::array<std::byte, 64> buf{};
	auto n1 = r.recv(buf, bound);
	CHECK(n1 && *n1 == 5 && std::memcmp(buf.data(), msg.data(), 5) == 0);
	auto n2 = r.recv(buf, bound);
	CHECK(n2 && std::string(reinterpret_cast<const char *>(buf.data()), *n2) == "hello");
	auto v = r.recv<sample>(bound);
	CHECK(v && v->seq == 7 && v->value == 2.5 && std::strcmp(v->tag, "seven") == 0);
	// A message of another size than T: a larger one stays, a smaller one
	// is taken.
	CHECK(!w.send("abc", 3));
	CHECK(!w.send(shmchan::as_bytes(buf.data(), 30)));
	CHECK(r.recv<sample>(bound).error() == std::errc::message_size);
	CHECK(r.recv<sample>(bound).error() == std::errc::message_size);
	CHECK(r.recv(buf, bound).value() == 30);
	// Timeouts, full and empty.
	CHECK(r.recv(buf, 10ms).error() == std::errc::timed_out);
	CHECK(r.read(buf).error() == std::errc::resource_unavailable_try_again);
	for (int i = 0; i < 4; i++)
		CHECK(!w.send<int>(i));
	CHECK(w.write("x", 1) == std::errc::resource_unavailable_try_again);
	CHECK(w.send("x", 1, 10ms) == std::errc::timed_out);
	CHECK(w.send(shmchan::as_bytes(buf.data(), 65)) == std::errc::message_size);
	std::array<std::byte, 2> small{};
	CHECK(r.recv(small, bound).error() == std::errc::message_size); // the message stays
	for (int i = 0; i < 4; i++)
		CHECK(r.recv<int>(bound).value() == i);
	// End of stream once drained and every writer is gone.
	w.close();
	CHECK(r.recv(buf, bound).error() == std::errc::broken_pipe);
	shmchan::unlink(n.c_str());
}

void test_loans_and_views()
{
	std::string n = name("loans");
	auto w = shmchan::writer::create(n.c_str(), shmchan::config::slots(32, 8)).value();
	auto r = shmchan::reader::open(n.c_str()).value();
	{
		auto l = w.reserve(5).value();
		CHECK(l.size() == 5);
		std::memcpy(l.data().data(), "hello", 5);
		CHECK(l.commit(6) == std::errc::message_size); // above the loan: still reserved
		CHECK(l);
		CHECK(!l.commit());
		CHECK(!l);
		CHECK(l.commit() == std::errc::invalid_argument);
	}
	{
		auto l = w.reserve(8, bound).value();
		std::memcpy(l.data().data(), "dropped", 8);
		// destroyed without commit: cancelled, the reader skips it
	}
	{
		auto l = w.reserve(8).value();
		shmchan::loan moved = std::move(l);
		CHECK(!l && moved);
		*moved.as<std::uint64_t>() = 0x1122334455667788u;
		CHECK(!moved.commit(8));
	}
	CHECK(w.reserve(33).error() == std::errc::message_size);
	{
		// A refused second reservation leaves the first one alone.
		auto l = w.reserve(4).value();
		CHECK(w.reserve(4).error() == std::errc::connection_already_in_progress);
		CHECK(w.reserve(4, 10ms).error() == std::errc::connection_already_in_progress);
		std::memcpy(l.data().data(), "kept", 4);
		CHECK(!l.commit());
	}
	{
		auto v = r.peek(bound).value();
		CHECK(v.size() == 5 && std::memcmp(v.data().data(), "hello", 5) == 0);
		CHECK(r.peek().error() == std::errc::connection_already_in_progress /* EALREADY */);
		shmchan::view moved = std::move(v);
		CHECK(!v && moved);
		// destroyed: released
	}
	{
		auto v = r.peek().value(); // the cancelled message was stepped over
		CHECK(v.as<std::uint64_t>() && *v.as<std::uint64_t>() == 0x1122334455667788u);
		CHECK(v.as<sample>() == nullptr);
		CHECK(!v.release());
		CHECK(!v && !v.release()); // a no-op once released
	}
	{
		auto v = r.peek().value();
		CHECK(v.size() == 4 && std::memcmp(v.data().data(), "kept", 4) == 0);
	}
	CHECK(r.peek().error() == std::errc::resource_unavailable_try_again);
	CHECK(r.peek(10ms).error() == std::errc::timed_out);
	// In place: a slot reused a lap later is at the same address.
	const std::byte *first = nullptr;
	for (int i = 0; i < 16; i++) {
		auto l = w.reserve(4, bound).value();
		std::memcpy(l.data().data(), &i, 4);
		CHECK(!l.commit());
		auto v = r.peek(bound).value();
		CHECK(*v.as<int>() == i);
		if (i == 0)
			first = v.data().data();
		if (i == 8)
			CHECK(v.data().data() == first);
	}
	w.close();
	r.close();
	shmchan::unlink(n.c_str());
}

void test_kinds()
{
	// Records of any size up to the buffer's half.
	std::string n = name("records");
	auto w = shmchan::writer::create(n.c_str(), shmchan::config::records(4096)).value();
	CHECK(w.max_message_size() == SHMCHAN_RECORD_MAX_LEN(4096));
	auto r = shmchan::reader::open(n.c_str(), shmchan::config::records(4096)).value();
	std::vector<std::byte> big(1000, std::byte{ 0x5a });
	CHECK(!w.send(big, bound));
	{
		auto v = r.peek(bound).value();
		CHECK(v.size() == 1000 && v.data()[999] == std::byte{ 0x5a });
	}
	w.close();
	r.close();
	shmchan::unlink(n.c_str());

	// Broadcast, latest data wins: a slow subscriber loses the oldest.
	n = name("bcast");
	w = shmchan::writer::create(n.c_str(),
				    shmchan::config::broadcast(16, 4, SHMCHAN_POLICY_OVERWRITE))
		    .value();
	auto s1 = shmchan::reader::subscribe(n.c_str()).value();
	auto s2 = shmchan::reader::subscribe(n.c_str()).value();
	for (int i = 0; i < 10; i++)
		CHECK(!w.send<int>(i));
	CHECK(s1.recv<int>(bound).error() == shmchan::lost_error());
	CHECK(s1.lost().value() == 6);
	CHECK(s1.recv<int>(bound).value() == 6);
	CHECK(s2.recv<int>(bound).error() == shmchan::lost_error());
	CHECK(s2.recv<int>(bound).value() == 6);
	w.close();
	s1.close();
	s2.close();
	shmchan::unlink(n.c_str());

	// Work queue: each message to one of the readers.
	n = name("wq");
	w = shmchan::writer::create(n.c_str(), shmchan::config::workqueue(16, 8)).value();
	auto q1 = shmchan::reader::open(n.c_str()).value();
	auto q2 = shmchan::reader::open(n.c_str()).value();
	for (int i = 0; i < 6; i++)
		CHECK(!w.send<int>(i));
	int sum = 0;
	for (int i = 0; i < 3; i++)
		sum += q1.recv<int>(bound).value() + q2.recv<int>(bound).value();
	CHECK(sum == 0 + 1 + 2 + 3 + 4 + 5);
	w.close();
	q1.close();
	q2.close();
	shmchan::unlink(n.c_str());
}

// A child process reads what the parent writes through loans, checking
// every byte; the parent waits for the reader and the child's exit.
void test_two_processes()
{
	constexpr int count = 20000;
	std::string n = name("fork");
	auto w = shmchan::writer::create(n.c_str(), shmchan::config::slots(256, 16)).value();
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		alarm(60);
		auto r = shmchan::reader::open(n.c_str());
		if (!r)
			_exit(2);
		for (int i = 0; i < count; i++) {
			auto v = r->peek(bound);
			if (!v)
				_exit(3);
			std::size_t len = 8 + static_cast<std::size_t>(i % 240);
			if (v->size() != len)
				_exit(4);
			std::uint64_t seq;
			std::memcpy(&seq, v->data().data(), 8);
			if (seq != static_cast<std::uint64_t>(i))
				_exit(5);
			for (std::size_t k = 8; k < len; k++)
				if (v->data()[k] != std::byte(static_cast<unsigned char>(i + k)))
					_exit(6);
		}
		std::array<std::byte, 8> buf{};
		_exit(r->recv(buf, bound).error() == std::errc::broken_pipe ? 0 : 7);
	}
	CHECK(!w.wait_for_readers(1, bound));
	for (int i = 0; i < count; i++) {
		std::size_t len = 8 + static_cast<std::size_t>(i % 240);
		auto l = w.reserve(len, bound);
		REQUIRE(l);
		std::uint64_t seq = static_cast<std::uint64_t>(i);
		std::memcpy(l->data().data(), &seq, 8);
		for (std::size_t k = 8; k < len; k++)
			l->data()[k] = std::byte(static_cast<unsigned char>(i + k));
		CHECK(!l->commit());
	}
	w.close();
	int status = 0;
	REQUIRE(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	shmchan::unlink(n.c_str());
}

void test_throwing()
{
#ifdef SHMCHAN_HPP_EXCEPTIONS
	bool thrown = false;
	try {
		auto r = shmchan::reader::open("t.cpp.no-such-channel").value();
	} catch (const shmchan::error &e) {
		thrown = e.code() == std::errc::no_such_file_or_directory;
	}
	CHECK(thrown);
	thrown = false;
	try {
		shmchan::check(shmchan::make_error_code(-ESTALE), "send");
	} catch (const std::system_error &e) {
		thrown = e.code() == shmchan::make_error_code(-ESTALE) &&
			 std::string(e.what()).find("send") != std::string::npos;
	}
	CHECK(thrown);
	shmchan::check({}); // no error: no throw
#else
	std::printf("test_cpp: built without exceptions: the throwing layer is not tested\n");
#endif
}

} // namespace

// Views of a reader holding several messages, dropped in any order.
void test_held_views()
{
	std::string n = name("held");
	auto w = shmchan::writer::create(n.c_str(), shmchan::config::slots(8, 4)).value();
	auto r = shmchan::reader::open(n.c_str(), shmchan::config().hold(3)).value();
	for (std::uint32_t i = 0; i < 4; i++)
		CHECK(!w.write(&i, sizeof(i)));
	{
		auto a = r.peek().value();
		auto b = r.peek().value();
		auto c = r.peek().value();
		CHECK(*a.as<std::uint32_t>() == 0 && *b.as<std::uint32_t>() == 1 &&
		      *c.as<std::uint32_t>() == 2);
		CHECK(r.peek().error() == std::errc::connection_already_in_progress);
		CHECK(!b.release()); // the middle one: no room yet, the oldest is held
		std::uint32_t x = 9;
		CHECK(w.write(&x, sizeof(x)) == std::errc::resource_unavailable_try_again);
		CHECK(*a.as<std::uint32_t>() == 0 && *c.as<std::uint32_t>() == 2);
		// a and c destroyed: c first, then a
	}
	std::uint32_t x = 4;
	CHECK(!w.write(&x, sizeof(x)));
	auto v = r.peek().value();
	CHECK(*v.as<std::uint32_t>() == 3);
	shmchan::unlink(n.c_str());
}

int main()
{
	alarm(120);
	test_errors();
	test_handles();
	test_send_recv();
	test_loans_and_views();
	test_held_views();
	test_kinds();
	test_two_processes();
	test_throwing();
	if (failures) {
		std::fprintf(stderr, "test_cpp: %d check(s) failed\n", failures);
		return 1;
	}
	std::printf("test_cpp (C++%ld%s): ok\n", __cplusplus / 100 % 100,
#ifdef SHMCHAN_HPP_EXCEPTIONS
		    ""
#else
		    ", no exceptions"
#endif
	);
	return 0;
}
