"""Signing adapters: SSH keys, SSH signatures (SSHSIG), allowed signers, revocation, ssh-keygen."""
