from schemas.chinese import install

install()
