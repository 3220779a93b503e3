// cpp_work.cpp: C++ for the symbolizer: a member of a class template in a
// namespace, and a small static member inlined into it at -O2, so that a
// profile's names must be demangled and its inline frames read from DWARF.
//
//   cpp_work [--seconds N]
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unistd.h>
#include <vector>

namespace lab {

template <typename T> class Accumulator {
public:
	__attribute__((noinline)) T run(const std::vector<T> &values, int rounds) const;

private:
	static inline T mix(T acc, T value)
	{
		return acc * 31 + (value ^ (acc >> 7));
	}
};

template <typename T> T Accumulator<T>::run(const std::vector<T> &values, int rounds) const
{
	T acc = 0;
	for (int r = 0; r < rounds; r++)
		for (T value : values)
			acc = mix(acc, value);
	return acc;
}

} // namespace lab

volatile uint64_t sink;

int main(int argc, char **argv)
{
	double seconds = 30;
	for (int i = 1; i + 1 < argc; i++)
		if (std::strcmp(argv[i], "--seconds") == 0)
			seconds = std::atof(argv[i + 1]);
	std::vector<uint64_t> values(4096);
	for (size_t i = 0; i < values.size(); i++)
		values[i] = i * 2654435761u;
	std::printf("cpp_work: pid %d\n", (int)getpid());
	std::fflush(stdout);
	const lab::Accumulator<uint64_t> accumulator;
	auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
	while (std::chrono::steady_clock::now() < end)
		sink = accumulator.run(values, 100);
	return 0;
}
