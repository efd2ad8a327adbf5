import os
import threading

import pytest

from counter.scanning.qr_serial import ScannerError, read_codes


def test_codes_split_on_cr_or_lf_and_keep_their_marks():
    master, slave = os.openpty()
    stop = threading.Event()
    data = "001090123456||Nguyễn Văn An|01011990|Nam|Thôn 2|15042021\r\nH55.242-261123-1001\n".encode()
    threading.Timer(0.3, os.write, (master, data)).start()  # after the port is open (opening flushes input)
    threading.Timer(10, stop.set).start()  # never hang the suite
    codes = read_codes(os.ttyname(slave), stop=stop)
    assert next(codes).split("|")[2] == "Nguyễn Văn An"
    assert next(codes) == "H55.242-261123-1001"
    stop.set()
    os.close(master)
    os.close(slave)


def test_a_missing_port_is_a_clear_error():
    with pytest.raises(ScannerError, match="Không mở được cổng"):
        next(read_codes("/dev/không-có-cổng-này"))
