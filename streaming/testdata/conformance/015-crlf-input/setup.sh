printf 'one\r\ntwo\r\nthree\r\n' > crlf.txt
