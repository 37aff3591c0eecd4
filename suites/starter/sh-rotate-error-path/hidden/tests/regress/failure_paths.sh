#!/usr/bin/env bash
# Regression tests: a step of the rotation that fails must not cost data.
. "$(dirname -- "${BASH_SOURCE[0]}")/../lib.sh"

# A compressor that dies half way, like gzip on a full disk.
make_failing_compressor() {
    cat > "$T/badzip" <<'SH'
#!/bin/sh
head -c 4
echo "badzip: No space left on device" >&2
exit 1
SH
    chmod +x "$T/badzip"
}

test_compress_failure_keeps_log() {
    make_failing_compressor
    printf 'important\nlines\n' > app.log
    LOGROTOR_COMPRESSCMD="$T/badzip" lr -z app.log
    assert_eq 1 "$rc" "exit status"
    assert_file app.log $'important\nlines'
    [[ -n $err ]] || fail "no error message"
}

test_copy_failure_keeps_log() {
    echo "not a directory" > blocker
    printf 'important\n' > app.log
    lr -o blocker/archive app.log
    assert_eq 1 "$rc" "exit status"
    assert_file app.log important
    [[ -n $err ]] || fail "no error message"
}

test_copytruncate_failure_keeps_content() {
    make_failing_compressor
    printf 'important\n' > app.log
    printf 'compress = yes\ncompresscmd = %s\ncopytruncate = yes\n' "$T/badzip" > rot.conf
    lr -c rot.conf app.log
    assert_eq 1 "$rc" "exit status"
    assert_file app.log important
}

test_failure_does_not_stop_other_files() {
    mkdir one two
    echo "not a directory" > one/archive
    echo first > one/app.log
    echo second > two/app.log
    lr -o archive one/app.log two/app.log
    assert_eq 1 "$rc" "exit status"
    assert_file one/app.log first
    assert_file two/archive/app.log.1 second
    assert_no_file two/app.log
}

# --- edge cases ------------------------------------------------------------

test_failed_compress_leaves_archives_untouched() {
    make_failing_compressor
    echo current > app.log
    echo previous | gzip -c > app.log.1.gz
    echo oldest | gzip -c > app.log.2.gz
    LOGROTOR_COMPRESSCMD="$T/badzip" lr -z app.log
    assert_eq 1 "$rc" "exit status"
    assert_file app.log current
    assert_eq previous "$(gzip -dc app.log.1.gz 2>&1)" "app.log.1.gz"
    assert_eq oldest "$(gzip -dc app.log.2.gz 2>&1)" "app.log.2.gz"
    assert_no_file app.log.3.gz
    assert_eq "app.log app.log.1.gz app.log.2.gz badzip" "$(ls | tr '\n' ' ' | sed 's/ $//')" "directory"
}

test_failed_compress_keeps_only_archive_with_keep_1() {
    make_failing_compressor
    echo current > app.log
    echo previous | gzip -c > app.log.1.gz
    printf 'keep = 1\ncompress = yes\ncompresscmd = %s\n' "$T/badzip" > rot.conf
    lr -c rot.conf app.log
    assert_eq 1 "$rc" "exit status"
    assert_file app.log current
    assert_eq previous "$(gzip -dc app.log.1.gz 2>&1)" "app.log.1.gz"
    assert_eq "app.log app.log.1.gz badzip rot.conf" "$(ls | tr '\n' ' ' | sed 's/ $//')" "directory"
}

run_tests "$@"
