// SPDX-License-Identifier: MIT
// Ping-pong between two processes over two channels, with the C++ header:
// the parent sends a typed message, the child answers with it incremented,
// every answer is checked. Prints the round trip's median and tails, for
// the C++ calls and for the same loop written with the C calls, in the
// same run (the header adds no cost of its own: compare the two lines).
//
//   pingpong [ROUND_TRIPS]     (default 100000; CPUs 0 and 1 if there are two)
#include <shmchan.hpp>

#include <sched.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace
{

struct ping {
	std::uint64_t seq;
	std::uint64_t payload[7]; // 64 bytes in all
};

std::int64_t now_ns()
{
	timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return std::int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

void pin(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		std::perror("pingpong: sched_setaffinity (running unpinned)");
}

// The child: answer every ping with seq + 1 until end of stream.
int pong(const std::string &to_child, const std::string &to_parent, bool c_api)
{
	if (shmchan::wait_created(to_child.c_str(), 10s))
		return 2;
	auto in = shmchan::reader::open(to_child.c_str());
	auto out = shmchan::writer::open(to_parent.c_str());
	if (!in || !out)
		return 3;
	for (;;) {
		ping p;
		if (c_api) {
			size_t n;
			int rc = shmchan_channel_recv(in->native(), &p, sizeof(p), &n, 10000);
			if (rc == -EPIPE)
				return 0;
			if (rc || n != sizeof(p))
				return 4;
			p.seq++;
			if (shmchan_channel_send(out->native(), &p, sizeof(p), 10000))
				return 5;
		} else {
			auto got = in->recv<ping>(10s);
			if (got.error() == std::errc::broken_pipe)
				return 0;
			if (!got)
				return 4;
			got->seq++;
			if (out->send<ping>(*got, 10s))
				return 5;
		}
	}
}

// One run: ROUND_TRIPS pings, every answer checked; the round trips' times
// in @rtt. Returns 0, or an exit code.
int run(long count, bool c_api, std::vector<std::int64_t> &rtt)
{
	const std::string base = "pingpong." + std::to_string(getpid()) + (c_api ? ".c" : ".cpp");
	const std::string to_child = base + ".down", to_parent = base + ".up";
	auto cfg = shmchan::config::slots(sizeof(ping), 16);
	auto back = shmchan::writer::create(to_parent.c_str(), cfg); // the child's, joined by it
	if (!back) {
		std::fprintf(stderr, "pingpong: create %s: %s\n", to_parent.c_str(),
			     back.error().message().c_str());
		return 1;
	}
	auto in = shmchan::reader::open(to_parent.c_str());
	auto out = shmchan::writer::create(to_child.c_str(), cfg);
	if (!in || !out) {
		std::fprintf(stderr, "pingpong: open: %s\n",
			     (!in ? in.error() : out.error()).message().c_str());
		shmchan::unlink(to_parent.c_str());
		shmchan::unlink(to_child.c_str());
		return 1;
	}
	pid_t pid = fork();
	if (pid == 0) {
		pin(1);
		_exit(pong(to_child, to_parent, c_api));
	}
	pin(0);
	back->close(); // the child holds the answers' writer role now
	int status = 1;
	if (out->wait_for_readers(1, 10s) || in->wait_for_writer(10s)) {
		std::fprintf(stderr, "pingpong: the child did not attach\n");
	} else {
		rtt.clear();
		rtt.reserve(std::size_t(count));
		ping p{};
		for (long i = 0; i < count; i++) {
			p.seq = std::uint64_t(i) * 2;
			std::int64_t t0 = now_ns();
			if (c_api) {
				size_t n = 0;
				if (shmchan_channel_send(out->native(), &p, sizeof(p), 10000) ||
				    shmchan_channel_recv(in->native(), &p, sizeof(p), &n, 10000) ||
				    n != sizeof(p))
					break;
			} else {
				if (out->send<ping>(p, 10s))
					break;
				auto got = in->recv<ping>(10s);
				if (!got)
					break;
				p = *got;
			}
			rtt.push_back(now_ns() - t0);
			if (p.seq != std::uint64_t(i) * 2 + 1) {
				std::fprintf(stderr, "pingpong: answer %ld is wrong\n", i);
				break;
			}
		}
	}
	out->close(); // end of stream: the child returns
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		std::fprintf(stderr, "pingpong: the child failed (status %d)\n", status);
	shmchan::unlink(to_parent.c_str());
	shmchan::unlink(to_child.c_str());
	if (long(rtt.size()) != count || status != 0)
		return 1;
	return 0;
}

void report(const char *what, std::vector<std::int64_t> &rtt)
{
	std::sort(rtt.begin(), rtt.end());
	auto at = [&](double q) { return double(rtt[std::size_t(q * double(rtt.size() - 1))]); };
	std::printf("%-10s %8zu round trips of 64 B: p50 %7.0f ns  p99 %7.0f ns  p99.9 %8.0f ns\n",
		    what, rtt.size(), at(0.50), at(0.99), at(0.999));
}

} // namespace

int main(int argc, char **argv)
{
	long count = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 100000;
	if (count <= 0) {
		std::fprintf(stderr, "usage: pingpong [ROUND_TRIPS]\n");
		return 2;
	}
	std::printf("pingpong: parent on CPU 0, child on CPU 1, blocking waits (futex)\n");
	std::vector<std::int64_t> cpp_rtt, c_rtt;
	// Interleaved, so that both see the same machine state.
	for (int pass = 0; pass < 2; pass++) {
		if (run(count / 2, false, cpp_rtt) || run(count / 2, true, c_rtt))
			return 1;
		if (pass == 0) {
			report("C++ (1/2)", cpp_rtt);
			report("C (1/2)", c_rtt);
		} else {
			report("C++ (2/2)", cpp_rtt);
			report("C (2/2)", c_rtt);
		}
	}
	std::printf("pingpong: every answer checked -> ok\n");
	return 0;
}
