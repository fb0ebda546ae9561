"""How passwords are stored."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idOwasp(Argon2PasswordHasher):
    """Argon2id with the parameters of OWASP's Password Storage Cheat Sheet (19 MiB, 2 passes, one
    lane): memory-hard, so that a stolen table costs an attacker's GPUs more than Django's default
    PBKDF2 (1 000 000 SHA-256 rounds), for a twelfth of its CPU at each login (45 ms instead of
    570 ms on our 2-core server: 50 people logging in at 9:00 no longer stall everyone's pages).
    Django reads the parameters from each stored hash and re-hashes at the next login when they
    change; the PBKDF2 hashes of before are re-hashed the same way."""

    memory_cost = 19 * 1024  # KiB
    time_cost = 2
    parallelism = 1
