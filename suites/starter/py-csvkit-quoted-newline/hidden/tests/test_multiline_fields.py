import io
import unittest

import plaincsv
from plaincsv import DictReader, ParseError, Reader


def read(text, **options):
    return list(Reader(io.StringIO(text, newline=""), **options))


class QuotedNewline(unittest.TestCase):
    """A quoted field may contain line breaks (RFC 4180)."""

    def test_basic(self):
        text = 'id,note,qty\n1,"first line\nsecond line",3\n2,plain,4\n'
        self.assertEqual(read(text), [
            ["id", "note", "qty"],
            ["1", "first line\nsecond line", "3"],
            ["2", "plain", "4"],
        ])

    def test_several_lines_and_crlf(self):
        text = 'a,b\r\n"x\r\ny\r\nz",1\r\n"",2\r\n'
        rows = read(text)
        self.assertEqual(len(rows), 3)
        self.assertEqual(rows[1][1], "1")
        self.assertEqual(rows[1][0].replace("\r\n", "\n"), "x\ny\nz")
        self.assertEqual(rows[2], ["", "2"])

    def test_dict_reader_and_parse(self):
        text = 'sku,description\nB-12,"Hex bolt, M6\nzinc plated"\nN-4,Nut\n'
        rows = list(DictReader(io.StringIO(text, newline="")))
        self.assertEqual(rows, [
            {"sku": "B-12", "description": "Hex bolt, M6\nzinc plated"},
            {"sku": "N-4", "description": "Nut"},
        ])
        self.assertEqual(plaincsv.parse('"a\nb"\n'), [["a\nb"]])

    def test_tab_dialect(self):
        text = 'k\tv\nmotd\t"Welcome!\nMaintenance at 5pm"\n'
        self.assertEqual(read(text, dialect="excel-tab"),
                         [["k", "v"], ["motd", "Welcome!\nMaintenance at 5pm"]])

    def test_round_trip(self):
        rows = [["id", "text"], ["1", "line one\nline two"], ["2", 'quote "x"\nend']]
        self.assertEqual(plaincsv.parse(plaincsv.format(rows, lineterminator="\n")), rows)


class QuotedNewlineEdgeCases(unittest.TestCase):
    def test_escaped_quote_right_before_line_break(self):
        # doubled quote as the last thing on a physical line
        text = 'id,msg\n1,"he said ""stop""\nand left",x\n2,ok,y\n'
        self.assertEqual(read(text), [
            ["id", "msg"],
            ["1", 'he said "stop"\nand left', "x"],
            ["2", "ok", "y"],
        ])
        # backslash-escaped quote as the last thing on a physical line
        text = '1,"ends with \\"\nstill quoted",x\n2,"a \\"b\\" c",y\n'
        self.assertEqual(read(text, escapechar="\\", doublequote=False), [
            ["1", 'ends with "\nstill quoted', "x"],
            ["2", 'a "b" c', "y"],
        ])
        # a quote that closes the field right before the line break
        text = '1,"first\nlast"""\n2,z\n'
        self.assertEqual(read(text), [["1", 'first\nlast"'], ["2", "z"]])

    def test_blank_line_inside_quoted_field(self):
        text = 'id,body\n\n1,"para one\n\npara two",x\n\n2,short,y\n'
        self.assertEqual(read(text), [
            ["id", "body"],
            ["1", "para one\n\npara two", "x"],
            ["2", "short", "y"],
        ])
        r = Reader(io.StringIO(text, newline=""))
        next(r), next(r)
        self.assertEqual(r.line_num, 5)

    def test_unterminated_quote_at_end_of_input(self):
        text = 'a,b\n1,2\n3,"never\nclosed\n'
        rows = read(text)
        self.assertEqual(len(rows), 3)
        self.assertEqual(rows[2][0], "3")
        self.assertEqual(rows[2][1].rstrip("\r\n"), "never\nclosed")
        with self.assertRaises(ParseError) as cm:
            read(text, strict=True)
        self.assertEqual(cm.exception.line, 3)


if __name__ == "__main__":
    unittest.main()
