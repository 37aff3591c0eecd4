// Regression tests: reading a window of the ring after the write cursor
// has wrapped around the end of the storage.
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "ringlog/log_store.hpp"
#include "ringlog/pager.hpp"
#include "ringlog/ring_buffer.hpp"
#include "testing.hpp"

using ringlog::Level;
using ringlog::LogStore;
using ringlog::Pager;
using ringlog::Record;
using ringlog::RingBuffer;

namespace {

std::string join(const std::vector<int>& v) {
    std::string s = "[";
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? " " : "") + std::to_string(v[i]);
    return s + "]";
}

std::string seqs(const std::vector<Record>& v) {
    std::string s = "[";
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? " " : "") + std::to_string(v[i].seq);
    return s + "]";
}

std::string seq_range(std::uint64_t from, std::uint64_t to) {  // inclusive
    std::string s = "[";
    for (std::uint64_t i = from; i <= to; ++i) s += (i == from ? "" : " ") + std::to_string(i);
    return s + "]";
}

std::vector<int> ref_window(const std::deque<int>& ref, std::size_t first, std::size_t count) {
    std::vector<int> out;
    for (std::size_t i = first; i < ref.size() && out.size() < count; ++i) out.push_back(ref[i]);
    return out;
}

LogStore filled(std::size_t capacity, int count) {
    LogStore store(capacity);
    for (int i = 1; i <= count; ++i) store.append(Level::Info, "line " + std::to_string(i));
    return store;
}

}  // namespace

TEST(wrap_tail, reported_example) {
    auto store = filled(8, 10);
    CHECK_EQ(seqs(store.tail(5)), std::string("[6 7 8 9 10]"));
    CHECK_EQ(seqs(store.tail(8)), seq_range(3, 10));
    CHECK_EQ(seqs(store.tail(100)), seq_range(3, 10));
}

TEST(wrap_tail, every_cursor_position) {
    for (std::size_t cap = 1; cap <= 7; ++cap) {
        RingBuffer<int> rb(cap);
        std::deque<int> ref;
        for (int pushed = 1; pushed <= static_cast<int>(3 * cap + 2); ++pushed) {
            rb.push(pushed);
            ref.push_back(pushed);
            if (ref.size() > cap) ref.pop_front();
            for (std::size_t n = 0; n <= cap + 1; ++n) {
                const std::size_t k = std::min(n, ref.size());
                const auto want = ref_window(ref, ref.size() - k, k);
                const auto got = rb.tail(n);
                if (got != want) {
                    CHECK_EQ(join(got), join(want));
                    return;
                }
            }
        }
    }
}

TEST(wrap_tail, log_store_tail_keeps_newest) {
    for (int count = 1; count <= 40; ++count) {
        auto store = filled(6, count);
        const auto t = store.tail(4);
        const std::uint64_t newest = static_cast<std::uint64_t>(count);
        const std::uint64_t oldest = count > 4 ? newest - 3 : 1;
        if (seqs(t) != seq_range(oldest, newest)) {
            CHECK_EQ(seqs(t), seq_range(oldest, newest));
            return;
        }
    }
}

TEST(wrap_range, copy_range_every_cursor_position) {
    for (std::size_t cap = 1; cap <= 6; ++cap) {
        RingBuffer<int> rb(cap);
        std::deque<int> ref;
        for (int pushed = 1; pushed <= static_cast<int>(3 * cap + 1); ++pushed) {
            rb.push(pushed);
            ref.push_back(pushed);
            if (ref.size() > cap) ref.pop_front();
            for (std::size_t first = 0; first <= ref.size(); ++first) {
                for (std::size_t count = 0; count <= cap + 1; ++count) {
                    const auto want = ref_window(ref, first, count);
                    const auto got = rb.copy_range(first, count);
                    if (got != want) {
                        CHECK_EQ(join(got), join(want));
                        return;
                    }
                }
            }
        }
    }
}

TEST(wrap_range, since_across_wrap) {
    auto store = filled(8, 13);  // holds #6..#13, write cursor in the middle
    CHECK_EQ(seqs(store.since(9)), seq_range(9, 13));
    CHECK_EQ(seqs(store.since(1)), seq_range(6, 13));
    CHECK_EQ(seqs(store.since(7, 5)), seq_range(7, 11));
    CHECK_EQ(seqs(store.since(13)), std::string("[13]"));
}

TEST(wrap_range, pager_across_wrap) {
    auto store = filled(8, 10);  // holds #3..#10, oldest in slot 2
    Pager by4(store, 4);
    CHECK_EQ(by4.page_count(), 2u);
    CHECK_EQ(seqs(by4.page(0)), std::string("[3 4 5 6]"));
    CHECK_EQ(seqs(by4.page(1)), std::string("[7 8 9 10]"));
    CHECK_EQ(seqs(by4.last_page()), std::string("[7 8 9 10]"));
    Pager by5(store, 5);
    CHECK_EQ(seqs(by5.page(1)), std::string("[8 9 10]"));
    CHECK_EQ(by5.render(1),
             std::string("-- page 2/2, records #8-#10 --\n#8 INFO  line 8\n#9 INFO  line 9\n"
                         "#10 INFO  line 10\n"));
}
