SELECT fox FROM fox WHERE matches(fox, '+(a b) AND -(-(c OR "d e"))') AND fox @@ 'x';
